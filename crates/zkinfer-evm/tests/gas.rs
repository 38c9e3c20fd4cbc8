//! The harness's gas rules against revm's: the EIP-7623 calldata floor and EIP-170 code size.

use revm::primitives::U256;
use zkinfer_evm::abi::{Token, encode_call};
use zkinfer_evm::gas::{MAX_CODE_SIZE, call_tx_gas};
use zkinfer_evm::{Contract, Evm, EvmError, Harness};

/// Init code that deploys `size` zero bytes of runtime code: PUSH3 size, PUSH1 0, RETURN.
fn init_code_of_size(size: usize) -> Vec<u8> {
    let s = (size as u32).to_be_bytes();
    vec![0x62, s[1], s[2], s[3], 0x60, 0x00, 0xf3]
}

#[test]
fn eip170_limit_is_enforced_at_24576_bytes() {
    let mut evm = Evm::new();
    let ok = evm
        .deploy(&init_code_of_size(MAX_CODE_SIZE))
        .expect("24,576 bytes deploy");
    assert_eq!(ok.code_size, MAX_CODE_SIZE);
    match evm.deploy(&init_code_of_size(MAX_CODE_SIZE + 1)) {
        Err(EvmError::CodeTooLarge { .. }) => {}
        other => panic!("24,577 bytes must be refused, got {other:?}"),
    }
}

#[test]
fn every_artifact_fits_eip170() {
    for c in Contract::ALL {
        let h = Harness::deploy(c).expect("deploys");
        println!("{c:?}: {} bytes of runtime code", h.deployed.code_size);
        assert_eq!(h.deployed.code_size, h.artifact.deployed_bytecode.len());
        assert!(h.deployed.code_size <= MAX_CODE_SIZE);
    }
}

#[test]
fn eip7623_formula_matches_revm_on_both_sides_of_the_floor() {
    let mut h = Harness::deploy(Contract::GoldilocksHarness).expect("deploys");
    // Light execution, heavy calldata (ignored trailing bytes): the floor binds.
    let mut data = encode_call(
        "add(uint256,uint256)",
        &[Token::Uint(U256::from(1)), Token::Uint(U256::from(2))],
    );
    data.extend((0..4000u32).map(|i| (i % 251) as u8));
    let out = h.evm.call(h.address(), &data).expect("runs");
    assert!(out.success);
    assert_eq!(out.execution_gas, None, "the floor should bind");
    assert_eq!(out.tx_gas_used, call_tx_gas(&data, 0).total);
    // Heavy execution, light calldata: standard pricing plus execution.
    let data = encode_call(
        "benchExtMul(uint256,uint256,uint256)",
        &[
            Token::Uint(U256::from(3)),
            Token::Uint(U256::from(5)),
            Token::Uint(U256::from(2000)),
        ],
    );
    let out = h.evm.call(h.address(), &data).expect("runs");
    let exec = out.execution_gas.expect("above the floor");
    assert_eq!(out.tx_gas_used, call_tx_gas(&data, exec).total);
    assert!(exec > 100_000);
}

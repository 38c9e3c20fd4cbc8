//! Gas accounting rules the harness reports against: EIP-7623 calldata pricing, EIP-170 code size, the
//! EIP-7825 transaction cap.
//!
//! EIP-7623 (Prague): with `tokens = zero_bytes + 4 · nonzero_bytes`, a transaction pays
//! `max(21000 + 4 · tokens + execution, 21000 + 10 · tokens)`. For nonzero bytes this is the issue's
//! `max(16/byte + execution, 40/byte)`; zero bytes count a quarter. Proof bytes are close to uniform, so
//! 1 KiB of proof costs ≈ 40 · 1024 · (255 + 1/4)/256 ≈ 40.8k gas once the floor binds.

/// Base cost of a transaction.
pub const TX_BASE_GAS: u64 = 21_000;
/// Standard calldata cost per token (EIP-2028; 16 gas per nonzero byte = 4 tokens).
pub const STANDARD_TOKEN_COST: u64 = 4;
/// EIP-7623 floor cost per token (40 gas per nonzero byte).
pub const FLOOR_TOKEN_COST: u64 = 10;
/// EIP-170: the largest deployable runtime code, in bytes (a contract of exactly this size deploys).
pub const MAX_CODE_SIZE: usize = 24_576;
/// EIP-7825: the largest gas limit of one transaction (2^24).
pub const TX_GAS_CAP: u64 = 1 << 24;

/// EIP-7623 calldata tokens: zero bytes count 1, nonzero bytes 4.
#[must_use]
pub fn calldata_tokens(data: &[u8]) -> u64 {
    data.iter().map(|&b| if b == 0 { 1 } else { 4 }).sum()
}

/// The gas of a call transaction (no access list, no value, no contract creation) whose execution used
/// `execution` gas (after refunds), under EIP-7623.
#[must_use]
pub fn call_tx_gas(data: &[u8], execution: u64) -> TxGas {
    let tokens = calldata_tokens(data);
    let standard = TX_BASE_GAS + STANDARD_TOKEN_COST * tokens + execution;
    let floor = TX_BASE_GAS + FLOOR_TOKEN_COST * tokens;
    TxGas {
        execution,
        calldata_standard: STANDARD_TOKEN_COST * tokens,
        calldata_floor: FLOOR_TOKEN_COST * tokens,
        total: standard.max(floor),
    }
}

/// A call transaction's gas, split as the issue reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxGas {
    /// Gas used by execution (what the contract's code burned, after refunds).
    pub execution: u64,
    /// Calldata at the standard price (16 per nonzero byte, 4 per zero byte).
    pub calldata_standard: u64,
    /// Calldata at the EIP-7623 floor price (40 per nonzero byte, 10 per zero byte).
    pub calldata_floor: u64,
    /// What the transaction pays: `max(21000 + standard + execution, 21000 + floor)`.
    pub total: u64,
}

impl TxGas {
    /// Whether the transaction fits the EIP-7825 cap.
    #[must_use]
    pub fn fits_tx_cap(&self) -> bool {
        self.total <= TX_GAS_CAP
    }
}

/// Whether runtime code of `len` bytes can be deployed under EIP-170.
#[must_use]
pub fn fits_code_size(len: usize) -> bool {
    len <= MAX_CODE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_binds_for_large_calldata_and_not_for_heavy_execution() {
        let data = vec![0xAB; 1000];
        let light = call_tx_gas(&data, 1_000);
        assert_eq!(light.total, 21_000 + 40 * 1000);
        let heavy = call_tx_gas(&data, 1_000_000);
        assert_eq!(heavy.total, 21_000 + 16 * 1000 + 1_000_000);
        let zeros = call_tx_gas(&[0; 100], 0);
        assert_eq!(zeros.calldata_standard, 400);
        assert_eq!(zeros.total, 21_000 + 1000);
        assert!(fits_code_size(MAX_CODE_SIZE) && !fits_code_size(MAX_CODE_SIZE + 1));
    }
}

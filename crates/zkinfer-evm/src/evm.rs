//! An in-process EVM (revm, Osaka rules) that deploys bytecode and calls it, reporting gas.

use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, address};
use revm::{ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext, MainnetEvm};

use crate::gas;

/// The account that sends every transaction.
pub const CALLER: Address = address!("0x00000000000000000000000000000000000c0ffe");

/// The gas limit of every transaction: the EIP-7825 cap.
pub const GAS_LIMIT: u64 = gas::TX_GAS_CAP;

type Db = CacheDB<EmptyDB>;
type Inner = MainnetEvm<Context<revm::context::BlockEnv, TxEnv, revm::context::CfgEnv, Db>>;

/// Why the harness could not run a transaction (not a contract's revert: that is a [`CallOutcome`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvmError {
    /// revm refused the transaction (e.g. invalid, out of the gas cap).
    #[error("the EVM refused the transaction: {0}")]
    Transaction(String),
    /// Deploying the bytecode did not create a contract.
    #[error("deployment failed: {0}")]
    Deploy(String),
    /// The runtime code exceeds EIP-170.
    #[error(
        "runtime code{} exceeds the EIP-170 limit of {} bytes: split the contract into libraries",
        size.map(|s| format!(" of {s} bytes")).unwrap_or_default(),
        gas::MAX_CODE_SIZE
    )]
    CodeTooLarge {
        /// The runtime code's size, when known.
        size: Option<usize>,
    },
}

/// A deployed contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployed {
    /// Its address.
    pub address: Address,
    /// Its runtime code size, in bytes.
    pub code_size: usize,
    /// The gas the deployment transaction used.
    pub gas_used: u64,
}

/// The result of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// Whether the call returned (false: it reverted or halted).
    pub success: bool,
    /// The return data (the revert data when it reverted; empty when it halted).
    pub output: Bytes,
    /// What revm charged the transaction (EIP-7623 floor included).
    pub tx_gas_used: u64,
    /// The execution gas, when it shows: revm's charge minus the intrinsic cost, unless the EIP-7623
    /// floor was charged instead (then execution is hidden below the floor and this is `None`; contracts
    /// that need it measure it with `gasleft()`).
    pub execution_gas: Option<u64>,
    /// Why it halted, if it did.
    pub halt: Option<String>,
}

/// An in-memory chain with one funded caller.
#[derive(Debug)]
pub struct Evm {
    inner: Inner,
    nonce: u64,
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    /// A fresh chain under Osaka rules (EIP-7623 calldata floor, EIP-7825 gas cap, EIP-170 size limit).
    #[must_use]
    pub fn new() -> Self {
        let inner = Context::mainnet()
            .with_db(Db::default())
            .modify_cfg_chained(|cfg| cfg.set_spec_and_mainnet_gas_params(SpecId::OSAKA))
            .build_mainnet();
        Self { inner, nonce: 0 }
    }

    fn tx(&self, kind: TxKind, data: Bytes) -> Result<TxEnv, EvmError> {
        TxEnv::builder()
            .caller(CALLER)
            .kind(kind)
            .data(data)
            .gas_limit(GAS_LIMIT)
            .gas_price(0)
            .nonce(self.nonce)
            .build()
            .map_err(|e| EvmError::Transaction(format!("{e:?}")))
    }

    /// Deploys `init_code` (creation bytecode followed by any constructor arguments).
    ///
    /// # Errors
    /// [`EvmError::CodeTooLarge`] if the runtime code exceeds EIP-170, [`EvmError::Deploy`] if the
    /// constructor reverts or halts, [`EvmError::Transaction`] if revm refuses the transaction.
    pub fn deploy(&mut self, init_code: &[u8]) -> Result<Deployed, EvmError> {
        let tx = self.tx(TxKind::Create, Bytes::copy_from_slice(init_code))?;
        let result = self
            .inner
            .transact_commit(tx)
            .map_err(|e| EvmError::Transaction(format!("{e:?}")))?;
        self.nonce += 1;
        let gas_used = result.tx_gas_used();
        match result {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                ..
            } => {
                // revm enforces EIP-170 itself (the halt below); this double-checks what was stored.
                let code_size = self.code_size(address);
                if !gas::fits_code_size(code_size) {
                    return Err(EvmError::CodeTooLarge {
                        size: Some(code_size),
                    });
                }
                Ok(Deployed {
                    address,
                    code_size,
                    gas_used,
                })
            }
            ExecutionResult::Halt { reason, .. } => {
                let text = format!("{reason:?}");
                if text.contains("CreateContractSizeLimit") {
                    Err(EvmError::CodeTooLarge { size: None })
                } else {
                    Err(EvmError::Deploy(format!("halted: {text}")))
                }
            }
            other => Err(EvmError::Deploy(format!("{other:?}"))),
        }
    }

    /// The runtime code size at `address` (0 for an account without code).
    #[must_use]
    pub fn code_size(&self, address: Address) -> usize {
        self.inner
            .ctx
            .journaled_state
            .database
            .cache
            .accounts
            .get(&address)
            .and_then(|a| a.info.code.as_ref())
            .map_or(0, |c| c.original_bytes().len())
    }

    /// Calls `address` with `data` without committing state (the verifiers are `view`).
    ///
    /// # Errors
    /// [`EvmError::Transaction`] if revm refuses the transaction.
    pub fn call(&mut self, address: Address, data: &[u8]) -> Result<CallOutcome, EvmError> {
        let tx = self.tx(TxKind::Call(address), Bytes::copy_from_slice(data))?;
        let result = self
            .inner
            .transact(tx)
            .map_err(|e| EvmError::Transaction(format!("{e:?}")))?
            .result;
        let tx_gas_used = result.tx_gas_used();
        let tokens = gas::calldata_tokens(data);
        let intrinsic = gas::TX_BASE_GAS + gas::STANDARD_TOKEN_COST * tokens;
        let floor = gas::TX_BASE_GAS + gas::FLOOR_TOKEN_COST * tokens;
        let execution_gas = (tx_gas_used > floor).then(|| tx_gas_used - intrinsic);
        Ok(match result {
            ExecutionResult::Success { output, .. } => CallOutcome {
                success: true,
                output: output.into_data(),
                tx_gas_used,
                execution_gas,
                halt: None,
            },
            ExecutionResult::Revert { output, .. } => CallOutcome {
                success: false,
                output,
                tx_gas_used,
                execution_gas,
                halt: None,
            },
            ExecutionResult::Halt { reason, .. } => CallOutcome {
                success: false,
                output: Bytes::new(),
                tx_gas_used,
                execution_gas,
                halt: Some(format!("{reason:?}")),
            },
        })
    }
}

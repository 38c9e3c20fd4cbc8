//! zkinfer-model

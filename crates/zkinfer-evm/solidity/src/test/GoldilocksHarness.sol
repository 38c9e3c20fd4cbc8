// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "../Goldilocks.sol";

/// Test and gas harness for the Goldilocks library (not part of a verifier).
contract GoldilocksHarness {
    function add(uint256 a, uint256 b) external pure returns (uint256) { return G.add(a, b); }
    function sub(uint256 a, uint256 b) external pure returns (uint256) { return G.sub(a, b); }
    function mul(uint256 a, uint256 b) external pure returns (uint256) { return G.mul(a, b); }
    function inv(uint256 a) external pure returns (uint256) { return G.inv(a); }
    function extAdd(uint256 a, uint256 b) external pure returns (uint256) { return G.extAdd(a, b); }
    function extSub(uint256 a, uint256 b) external pure returns (uint256) { return G.extSub(a, b); }
    function extMul(uint256 a, uint256 b) external pure returns (uint256) { return G.extMul(a, b); }
    function extInv(uint256 a) external pure returns (uint256) { return G.extInv(a); }

    /// Gas of `n` iterations of a loop doing nothing but keeping an accumulator (the baseline).
    function benchEmpty(uint256 a, uint256 n) external view returns (uint256 acc, uint256 gasUsed) {
        uint256 g = gasleft();
        acc = a;
        for (uint256 i = 0; i < n; i++) {
            acc = acc ^ i;
        }
        gasUsed = g - gasleft();
    }

    function benchMul(uint256 a, uint256 b, uint256 n) external view returns (uint256 acc, uint256 gasUsed) {
        uint256 g = gasleft();
        acc = a;
        for (uint256 i = 0; i < n; i++) {
            acc = G.mul(acc ^ i, b);
        }
        gasUsed = g - gasleft();
    }

    function benchExtMul(uint256 a, uint256 b, uint256 n) external view returns (uint256 acc, uint256 gasUsed) {
        uint256 g = gasleft();
        acc = a;
        for (uint256 i = 0; i < n; i++) {
            acc = G.extMul(acc ^ i, b);
        }
        gasUsed = g - gasleft();
    }

    function benchExtAdd(uint256 a, uint256 b, uint256 n) external view returns (uint256 acc, uint256 gasUsed) {
        uint256 g = gasleft();
        acc = a;
        for (uint256 i = 0; i < n; i++) {
            acc = G.extAdd(acc ^ i, b);
        }
        gasUsed = g - gasleft();
    }

    function benchExtInv(uint256 a, uint256 n) external view returns (uint256 acc, uint256 gasUsed) {
        uint256 g = gasleft();
        acc = a;
        for (uint256 i = 0; i < n; i++) {
            acc = G.extInv(acc ^ i);
        }
        gasUsed = g - gasleft();
    }
}

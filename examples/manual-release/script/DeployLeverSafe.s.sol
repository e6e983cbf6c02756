// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {LeverSafe} from "../src/LeverSafe.sol";

contract DeployLeverSafe is Script {
    function run() external {
        vm.startBroadcast();
        new LeverSafe();
        vm.stopBroadcast();
    }
}

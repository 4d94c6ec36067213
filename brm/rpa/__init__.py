"""The robot (RPA) API: its client, its configuration and a simulator that implements the contract."""

module dockyard.test/tools/buildkit-oracle/protocol

go 1.24

module example.com/agent

go 1.22.1

toolchain go1.26.8

require (
	example.com/direct v1.2.0
	github.com/Azure/go-autorest v14.2.0+incompatible // indirect
)

replace example.com/direct => example.com/fork v1.2.1

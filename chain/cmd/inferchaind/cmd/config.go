package cmd

import (
	cmtcfg "github.com/cometbft/cometbft/config"

	serverconfig "github.com/cosmos/cosmos-sdk/server/config"

	"github.com/inferchain/inferchain/chain/app"
)

// initCometBFTConfig helps to override default CometBFT Config values.
// Returns cmtcfg.DefaultConfig() if no custom configuration is required for the application.
// (The localnet sets loopback addresses and ~1 s blocks in config.toml itself.)
func initCometBFTConfig() *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	return cfg
}

// initAppConfig helps to override default appConfig template and configs.
// Returns "", nil if no custom configuration is required for the application.
func initAppConfig() (string, interface{}) {
	type CustomAppConfig struct {
		serverconfig.Config `mapstructure:",squash"`
	}

	srvCfg := serverconfig.DefaultConfig()
	// Validators may raise it; the default accepts zero-fee transactions in uinfer
	// (the SDK refuses to start with an empty minimum-gas-prices).
	srvCfg.MinGasPrices = "0" + app.BondDenom
	// The REST API (grpc-gateway) and gRPC are what the SDK and the sidecar talk to.
	srvCfg.API.Enable = true
	srvCfg.GRPC.Enable = true

	customAppConfig := CustomAppConfig{Config: *srvCfg}
	customAppTemplate := serverconfig.DefaultConfigTemplate

	return customAppTemplate, customAppConfig
}

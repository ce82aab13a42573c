package app

import (
	"os"
	"path/filepath"
	"sync"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// AppName is the application name reported over ABCI.
	AppName = "inferchain"

	// BondDenom is the staking, minting, fee and governance deposit denomination.
	BondDenom = "uinfer"
	// DisplayDenom is the human unit (1 INFER = 10^6 uinfer).
	DisplayDenom = "infer"

	// Bech32 prefixes: infer1..., infervaloper1..., infervalcons1...
	AccountAddressPrefix   = "infer"
	AccountPubKeyPrefix    = AccountAddressPrefix + "pub"
	ValidatorAddressPrefix = AccountAddressPrefix + "valoper"
	ValidatorPubKeyPrefix  = AccountAddressPrefix + "valoperpub"
	ConsNodeAddressPrefix  = AccountAddressPrefix + "valcons"
	ConsNodePubKeyPrefix   = AccountAddressPrefix + "valconspub"

	// CoinType is the BIP-44 coin type (118, the Cosmos Hub's, so standard wallets derive the same keys).
	CoinType = 118
)

// DefaultNodeHome is the default home directory of inferchaind (~/.inferchain).
var DefaultNodeHome string

func init() {
	userHomeDir, err := os.UserHomeDir()
	if err != nil {
		userHomeDir = "."
	}
	DefaultNodeHome = filepath.Join(userHomeDir, ".inferchain")
}

var setConfigOnce sync.Once

// SetConfig installs the Inferchain bech32 prefixes, coin type and bond denom into the
// process-global SDK config. It must run before any address is encoded (main calls it first
// thing; tests call it too). Safe to call more than once; the root command seals the config.
func SetConfig() {
	setConfigOnce.Do(func() {
		sdk.DefaultBondDenom = BondDenom

		cfg := sdk.GetConfig()
		cfg.SetBech32PrefixForAccount(AccountAddressPrefix, AccountPubKeyPrefix)
		cfg.SetBech32PrefixForValidator(ValidatorAddressPrefix, ValidatorPubKeyPrefix)
		cfg.SetBech32PrefixForConsensusNode(ConsNodeAddressPrefix, ConsNodePubKeyPrefix)
		cfg.SetCoinType(CoinType)
		cfg.SetPurpose(sdk.Purpose)
	})
}

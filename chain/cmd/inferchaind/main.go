// Command inferchaind is the Inferchain node daemon and CLI.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"
	"github.com/cosmos/cosmos-sdk/version"

	"github.com/inferchain/inferchain/chain/app"
	"github.com/inferchain/inferchain/chain/cmd/inferchaind/cmd"
)

func main() {
	// bech32 prefixes (infer, infervaloper, infervalcons), coin type 118 and the uinfer bond
	// denom must be in place before anything encodes an address.
	app.SetConfig()
	setVersionInfo()

	rootCmd := cmd.NewRootCmd()
	if err := svrcmd.Execute(rootCmd, "", app.DefaultNodeHome); err != nil {
		fmt.Fprintln(rootCmd.OutOrStderr(), err)
		os.Exit(1)
	}
}

// setVersionInfo fills `inferchaind version` from the Go build info (module version and VCS
// revision) when the build did not set it with -ldflags -X github.com/cosmos/cosmos-sdk/version.*.
func setVersionInfo() {
	if version.Name == "" {
		version.Name = "inferchain"
	}
	if version.AppName == "" || version.AppName == "<appd>" {
		version.AppName = "inferchaind"
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if version.Version == "" {
		version.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && version.Commit == "" {
			version.Commit = s.Value
		}
	}
}

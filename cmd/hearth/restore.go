package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hearth-server/hearth/session/store"
)

func newRestoreCmd() *cobra.Command {
	var in, data string
	cmd := &cobra.Command{
		Use:   "restore --in FILE --data DIR",
		Short: "Rebuild a data directory's objects from a backup",
		Long: `Rebuild DIR/objects (where 'hearth serve --data DIR' keeps object state) from a
backup taken with 'hearth backup'. DIR/objects must not exist or be empty: restore
never overwrites. The file is checked (format, version, checksum) as it is read;
a bad file leaves DIR as it was. Then start 'hearth serve --data DIR'.
NATS JetStream's own state (DIR/nats) is not part of a backup.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" || data == "" {
				return errors.New("restore: --in and --data are required")
			}
			st, err := restoreBackup(in, data)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %d objects, %d keys and %d alarms (%d bytes) into %s\n",
				st.Objects, st.Keys, st.Alarms, st.Bytes, filepath.Join(data, "objects"))
			return nil
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "backup file written by 'hearth backup' (required)")
	cmd.Flags().StringVar(&data, "data", "", "data directory to rebuild; its objects directory must be new or empty (required)")
	_ = cmd.MarkFlagRequired("in")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

// restoreBackup restores the backup file in into data/objects.
func restoreBackup(in, data string) (store.RestoreStats, error) {
	f, err := os.Open(in)
	if err != nil {
		return store.RestoreStats{}, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Restore(f, store.Options{Dir: filepath.Join(data, "objects"), Logger: log})
	if err != nil {
		return st, fmt.Errorf("restore %s: %w", in, err)
	}
	return st, nil
}

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hearth-server/hearth/iot"
)

func newReplayCmd() *cobra.Command {
	var file string
	var quiet int
	cmd := &cobra.Command{
		Use:   "replay --csv FILE",
		Short: "Run a CSV of readings through hearth's detectors; CSV with anomaly_score and alert to stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := os.Open(file)
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			defer f.Close()
			st, err := iot.Replay(f, cmd.OutOrStdout(), iot.ReplayOptions{QuietRows: quiet})
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "replay: %d rows, %d flagged, %d skipped\n", st.Rows, st.Flagged, st.Skipped)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "csv", "", "CSV file: a time column, then one column per metric (',' or ';' separated)")
	cmd.Flags().IntVar(&quiet, "quiet-rows", 120, "readings without a finding that close an alert")
	_ = cmd.MarkFlagRequired("csv")
	return cmd
}

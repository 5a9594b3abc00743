package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/newsflow/newsflow/internal/app"
)

// cmdCheck is `newsflow check`: the settings of `run` (same flags, config
// file and environment), validated and tried against the brokers without
// writing anything; a table of what passed, exit 0 or 1.
func cmdCheck(ctx context.Context, e env, args []string) error {
	s, err := runSettings(e, "check", args)
	if err != nil {
		return err
	}
	var results []app.CheckResult
	if verr := s.Validate(); verr != nil {
		results, err = []app.CheckResult{{Check: "configuration", Status: app.CheckFail, Detail: verr.Error()}}, verr
	} else {
		results, err = app.Preflight(ctx, s, s.Logger(e.stderr))
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CHECK\tRESULT\tDETAIL")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.Check, r.Status, r.Detail)
	}
	if ferr := w.Flush(); ferr != nil {
		return ferr
	}
	if err != nil {
		return errors.New("some checks failed (see the table)")
	}
	return nil
}

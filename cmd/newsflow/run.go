package main

import (
	"context"
	"flag"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/kafkasec"
)

// cmdRun is `newsflow run`: consume, enrich and produce against real
// brokers until SIGINT/SIGTERM, then shut down cleanly.
func cmdRun(ctx context.Context, e env, args []string) error {
	s, err := runSettings(e, "run", args)
	if err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return usageError{err}
	}
	log := s.Logger(e.stderr)
	inst, err := app.New(s, app.Options{Version: version, Logger: log})
	if err != nil {
		return err
	}
	return inst.Run(ctx)
}

// runSettings reads the settings of `run` (and `check`) from args, the
// environment and the config file; it does not validate them.
func runSettings(e env, name string, args []string) (app.Settings, error) {
	s := app.DefaultSettings()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	s.Register(fs)
	if err := parse(e, fs, args); err != nil {
		return s, err
	}
	if err := config.NoArgs(fs); err != nil {
		return s, usageError{err}
	}
	s.Security = withEnv(e, s.Security)
	return s, nil
}

// withEnv fills the SASL password from NEWSFLOW_SASL_PASSWORD.
func withEnv(e env, o kafkasec.Options) kafkasec.Options {
	return o.WithEnv(func(k string) (string, bool) {
		v := e.getenv(k)
		return v, v != ""
	})
}

// Package schema holds the JSON Schemas of newsflow's input and output
// records (input.schema.json, output.schema.json and trends.schema.json
// beside this file) and validates records against them. The files are the
// documentation of the contract; tests check real output against them.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed input.schema.json
var inputJSON []byte

//go:embed output.schema.json
var outputJSON []byte

//go:embed trends.schema.json
var trendsJSON []byte

// Validator validates records against one schema. It is safe for
// concurrent use.
type Validator struct{ s *jsonschema.Schema }

// Input returns a validator for the JSON form of input records.
func Input() (*Validator, error) { return compile("input.schema.json", inputJSON) }

// Output returns a validator for enriched output records.
func Output() (*Validator, error) { return compile("output.schema.json", outputJSON) }

// Trends returns a validator for trend records (processor/trends).
func Trends() (*Validator, error) { return compile("trends.schema.json", trendsJSON) }

func compile(name string, data []byte) (*Validator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	s, err := c.Compile(name)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	return &Validator{s: s}, nil
}

// Validate checks one JSON record.
func (v *Validator) Validate(record []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(record))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := v.s.Validate(doc); err != nil {
		return err
	}
	return nil
}

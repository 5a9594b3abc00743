package samples

import (
	"encoding/json"
	"errors"
)

func idOf(line []byte) (string, error) {
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(line, &v); err != nil {
		return "", err
	}
	if v.ID == "" {
		return "", errors.New("record has no id")
	}
	return v.ID, nil
}

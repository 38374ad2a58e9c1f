package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the frame as indented JSON and a newline.
func (f *Frame) WriteJSON(w io.Writer) error { return writeJSON(w, f) }

// WriteJSON writes the summary as indented JSON and a newline.
func (s *Summary) WriteJSON(w io.Writer) error { return writeJSON(w, s) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

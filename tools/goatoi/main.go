// Command goatoi prints what Go's strconv.Atoi answers for every input of a case table,
// so that the two Python ports of Atoi (client/ids.py go_atoi, target/goparse.py atoi)
// can be checked against the real thing. Standard library only; our own program.
//
//	go run tools/goatoi/main.go tests/data/go_atoi_cases.json
//
// Input: a JSON object whose "cases" is a list of objects with an "input" string.
// Output: a JSON list, one object per case: input, value, ok (err == nil), error (text).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

type answer struct {
	Input string  `json:"input"`
	Value int     `json:"value"`
	OK    bool    `json:"ok"`
	Error *string `json:"error"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goatoi CASES.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goatoi:", err)
		os.Exit(2)
	}
	var table struct {
		Cases []struct {
			Input string `json:"input"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		fmt.Fprintln(os.Stderr, "goatoi:", err)
		os.Exit(2)
	}
	answers := make([]answer, 0, len(table.Cases))
	for _, c := range table.Cases {
		value, err := strconv.Atoi(c.Input)
		a := answer{Input: c.Input, Value: value, OK: err == nil}
		if err != nil {
			text := err.Error()
			a.Error = &text
		}
		answers = append(answers, a)
	}
	out, _ := json.MarshalIndent(answers, "", "  ")
	fmt.Println(string(out))
}

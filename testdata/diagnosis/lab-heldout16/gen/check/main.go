package main

import (
	"fmt"
	"os"

	"github.com/nfstrace/nfstrace/lab"
)

func main() {
	bad := 0
	for _, a := range os.Args[1:] {
		if _, err := lab.LoadScenario(a); err != nil {
			fmt.Println("ERR", err)
			bad++
		}
	}
	fmt.Println("checked", len(os.Args)-1, "bad", bad)
}

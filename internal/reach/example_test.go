package reach_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/newsflow/newsflow/internal/reach"
)

// Check against an address where no broker listens: after the deadline the
// error names the address (and, after the part printed here, the attempts
// and each address's last error, such as "connection refused").
func ExampleCheck() {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := reach.Check(ctx, []string{"127.0.0.1:1"}, nil, nil)
	before, _, _ := strings.Cut(err.Error(), " (")
	fmt.Println(before)
	// Output: cannot reach brokers 127.0.0.1:1
}

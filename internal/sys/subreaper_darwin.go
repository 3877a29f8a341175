package sys

import (
	"errors"
	"fmt"
)

// SetSubreaper: only Linux has PR_SET_CHILD_SUBREAPER.
func SetSubreaper(bool) error {
	return fmt.Errorf("child subreaper: %w", errors.ErrUnsupported)
}

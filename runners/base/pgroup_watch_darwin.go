package base

import "errors"

// watch: darwin has no pidfds to wait on; the stop sequence polls.
func (t *pgroupTree) watch() (<-chan struct{}, func(), error) {
	return nil, nil, errors.ErrUnsupported
}

package resources_test

import (
	"errors"
	"fmt"

	"github.com/corralrun/corral/resources"
)

func ExampleParseDockerImage() {
	img, err := resources.ParseDockerImage("registry.example.com:5000/team/api:1.4")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("repository=%s name=%s tag=%s\n", img.Repository, img.Name, img.Tag)
	fmt.Println(img.FullName())

	// Nothing is defaulted: no registry, no "latest".
	bare, _ := resources.ParseDockerImage("busybox")
	fmt.Printf("%q %q\n", bare.Repository, bare.FullName())

	_, err = resources.ParseDockerImage("Busybox:")
	fmt.Println(errors.Is(err, resources.ErrInvalidImage))
	// Output:
	// repository=registry.example.com:5000/team name=api tag=1.4
	// registry.example.com:5000/team/api:1.4
	// "" "busybox"
	// true
}

func ExampleParseEnvironmentVariable() {
	e, err := resources.ParseEnvironmentVariable("DSN=postgres://db?sslmode=disable")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Key)
	fmt.Println(e.ValueAsString())

	_, err = resources.ParseEnvironmentVariable("=value")
	fmt.Println(err)
	// Output:
	// DSN
	// postgres://db?sslmode=disable
	// resources: invalid environment variable "=value": empty key
}

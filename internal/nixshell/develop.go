package nixshell

// FlakeRef is how corral names the flake in dir, an absolute directory:
// path:<dir>, so a dirty or untracked git work tree is used as it is.
func FlakeRef(dir string) string { return "path:" + dir }

// DevelopArgs returns the arguments, after the nix binary itself, that run
// bin with args inside the dev shell of the flake in dir (absolute):
// `nix develop --quiet path:<dir> --command bin args…` (--quiet: nix's progress lines would otherwise mix with the program's stderr). The process nix leaves
// running is bin itself (nix's bash execs it), so its exit status is bin's.
func DevelopArgs(dir, bin string, args ...string) []string {
	out := make([]string, 0, 5+len(args))
	out = append(out, "develop", "--quiet", FlakeRef(dir), "--command", bin)
	return append(out, args...)
}

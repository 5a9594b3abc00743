package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func dockerfileExposed(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, in := range dockerfileInstructions(t) {
		if in.op == "EXPOSE" {
			for _, p := range strings.Fields(in.args) {
				out = append(out, strings.SplitN(p, "/", 2)[0])
			}
		}
	}
	return out
}

type instruction struct{ op, args string }

// dockerfileInstructions returns the Dockerfile's instructions with
// continuation lines joined and comments dropped.
func dockerfileInstructions(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cont := strings.HasSuffix(trimmed, `\`)
		cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
		if cont {
			continue
		}
		op, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// TestDockerfile checks the image build: multi-stage, pinned bases, static
// binary, non-root user, exposed metrics port.
func TestDockerfile(t *testing.T) {
	ins := dockerfileInstructions(t)
	stages := map[string]bool{}
	var froms []string
	user, entrypoint := "", ""
	cgoOff := false
	copied := map[string]bool{}
	for _, in := range ins {
		switch in.op {
		case "FROM":
			f := strings.Fields(in.args)
			image := f[len(f)-1]
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				image = f[0]
				stages[f[len(f)-1]] = true
			}
			froms = append(froms, image)
			user = "" // USER is per stage
			if image != "scratch" && !stages[image] {
				if err := checkPinned(image); err != nil {
					t.Error(err)
				}
			}
		case "USER":
			user = in.args
		case "RUN":
			if strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "./cmd/newsflow") {
				cgoOff = true
			}
		case "ENV":
			if strings.Contains(in.args, "CGO_ENABLED=0") {
				cgoOff = true
			}
		case "COPY":
			f := strings.Fields(in.args)
			copied[f[len(f)-1]] = true
		case "ENTRYPOINT":
			entrypoint = in.args
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build, got FROM %q", froms)
	}
	if !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("builder %q: want golang:1.26.x", froms[0])
	}
	if final := froms[len(froms)-1]; final != "scratch" && !strings.HasPrefix(final, "gcr.io/distroless/static") {
		t.Errorf("final stage %q: want scratch or distroless/static", final)
	}
	if !cgoOff {
		t.Error("the newsflow build does not set CGO_ENABLED=0")
	}
	if uid, _, _ := strings.Cut(user, ":"); user == "" || uid == "0" || uid == "root" {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
	bin := regexp.MustCompile(`^\["([^"]+)"`).FindStringSubmatch(entrypoint)
	if bin == nil || !copied[bin[1]] {
		t.Errorf("ENTRYPOINT %q does not run a copied binary", entrypoint)
	}
	// The compose healthcheck runs the binary at the same path.
	if hc := loadCompose(t).Services["newsflow"].Healthcheck; hc != nil && bin != nil && hc.Test[0] == "CMD" && hc.Test[1] != bin[1] {
		t.Errorf("compose healthcheck runs %q, the image's binary is %q", hc.Test[1], bin[1])
	}
	if _, err := os.Stat(dockerfilePath + ".dockerignore"); err != nil {
		t.Errorf("no %s.dockerignore: %v", dockerfilePath, err)
	}
}

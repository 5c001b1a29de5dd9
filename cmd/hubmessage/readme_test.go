package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// readmeBlock is one ```sh block of README.md: the line it starts on and its text.
type readmeBlock struct {
	line int
	text string
}

// readmeBlocks returns README.md's shell blocks, in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeBlock
	var cur *readmeBlock
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case cur == nil && line == "```sh":
			cur = &readmeBlock{line: i + 2}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return out
}

// lastCommand is the block's last line that is not a comment.
func (b readmeBlock) lastCommand() string {
	lines := strings.Split(strings.TrimSpace(b.text), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// TestReadmeBlocks runs README's shell blocks as written, in order, as a newcomer would in two
// terminals, on a free port instead of 8080, with only the Go toolchain on PATH besides
// what the blocks install: a block that ends in a server runs until it listens (the server
// before it is stopped first), then the blocks after it run against it; Ctrl-C stops it,
// and it must say "stopped" (the binary exiting 0; make reports its own interrupt). Every
// other block must exit 0. Only the block that runs make test is left out: it runs this test.
func TestReadmeBlocks(t *testing.T) {
	t.Parallel()
	dir, gobin, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	env := []string{"PATH=" + gobin + string(os.PathListSeparator) + os.Getenv("PATH"), "GOBIN=" + gobin, "TMPDIR=" + tmp}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "HUBMESSAGE_") && name != "PATH" && name != "GOBIN" && name != "TMPDIR" {
			env = append(env, kv)
		}
	}
	addr := freeAddr(t)
	var server *serverBlock
	for _, b := range readmeBlocks(t) {
		script := strings.ReplaceAll(b.text, "127.0.0.1:8080", addr)
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
		cmd.Env, cmd.Dir = env, dir
		if strings.Contains("\n"+b.text, "\nmake ") || strings.Contains("\n"+b.text, "\ngo install ./") {
			cmd.Dir = "../.." // make and go install ./... run at the repository's root
		}
		last := b.lastCommand()
		switch {
		case strings.Contains(b.text, "make test"):
			t.Logf("README.md:%d: not run: it runs make test, which runs this test", b.line)
		case strings.Contains(last, "hubmessage mock") || strings.HasPrefix(last, "make mock"):
			server.stop(t)
			server = startServer(t, b, cmd)
		default:
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("README.md:%d: %v\n%s\noutput:\n%s", b.line, err, script, out)
			}
			t.Logf("README.md:%d: ran; its output:\n%s", b.line, out)
		}
	}
	server.stop(t)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the blocks left %d entries in the temporary directory, the first %s", len(left), left[0].Name())
	}
}

// serverBlock is a block whose last command serves until Ctrl-C.
type serverBlock struct {
	b       readmeBlock
	cmd     *exec.Cmd
	printed chan string // all it printed, once it exits
}

// startServer starts the block in a process group of its own, as a terminal's foreground
// job, and returns once it says it listens.
func startServer(t *testing.T, b readmeBlock, cmd *exec.Cmd) *serverBlock {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	s := &serverBlock{b: b, cmd: cmd, printed: make(chan string, 1)}
	listening := make(chan bool, 1)
	go func() {
		var all strings.Builder
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			all.WriteString(lines.Text() + "\n")
			if strings.HasPrefix(lines.Text(), "listening on ") {
				listening <- true
			}
		}
		close(listening)
		s.printed <- all.String()
	}()
	if !<-listening {
		t.Fatalf("README.md:%d: the server never listened: %v\n%s", b.line, cmd.Wait(), <-s.printed)
	}
	return s
}

// stop presses Ctrl-C: SIGINT to the block's process group, as a terminal sends it.
func (s *serverBlock) stop(t *testing.T) {
	t.Helper()
	if s == nil {
		return
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := s.cmd.Wait()
	printed := <-s.printed
	if !strings.Contains(printed, "\nstopped\n") {
		t.Errorf("README.md:%d: after Ctrl-C: %v; want the server to say stopped:\n%s", s.b.line, err, printed)
	}
	if !strings.HasPrefix(s.b.lastCommand(), "make ") && err != nil {
		t.Errorf("README.md:%d: after Ctrl-C: %v, want exit 0", s.b.line, err)
	}
	t.Logf("README.md:%d: served until Ctrl-C", s.b.line)
}

// freeAddr is a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

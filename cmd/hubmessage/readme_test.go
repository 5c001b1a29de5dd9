//go:build linux

// Linux only: the servers run on a pseudo-terminal, as a newcomer's, for their Ctrl-C.

package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
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

// TestReadmeBlocks runs README's shell blocks as written, in order, as a newcomer would in a
// few terminals, on free ports instead of 8080 and 8081, with what the blocks install first on
// PATH: a block that ends in a server runs on a terminal of its own until it listens (a mock
// stops the servers before it first; a proxy runs in front of the mock), then the blocks
// after it run against it; Ctrl-C on its terminal stops it, and it must say "stopped" and
// exit 0, make included. A block that replays a recording runs once the proxy that recorded
// it is stopped, as README says. Every other block must exit 0, and none may leave anything in the
// temporary directory. Only the block that runs make test is left out: it runs this test.
func TestReadmeBlocks(t *testing.T) {
	t.Parallel()
	dir, gobin, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	env := []string{"PATH=" + gobin + string(os.PathListSeparator) + os.Getenv("PATH"), "GOBIN=" + gobin, "TMPDIR=" + tmp}
	for _, kv := range os.Environ() {
		// A newcomer's shell: none of ours, and not inside make (make test runs this test).
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "HUBMESSAGE_") && !strings.HasPrefix(name, "MAKE") &&
			name != "MFLAGS" && name != "PATH" && name != "GOBIN" && name != "TMPDIR" {
			env = append(env, kv)
		}
	}
	ports := strings.NewReplacer("127.0.0.1:8080", freeAddr(t), "127.0.0.1:8081", freeAddr(t))
	var servers []*serverBlock // the mock first, then a proxy in front of it
	stopAll := func() {
		for _, s := range slices.Backward(servers) {
			s.stop(t)
		}
		servers = nil
	}
	stopProxies := func() {
		for len(servers) > 0 && strings.Contains(servers[len(servers)-1].b.lastCommand(), "hubmessage proxy") {
			servers[len(servers)-1].stop(t)
			servers = servers[:len(servers)-1]
		}
	}
	for _, b := range readmeBlocks(t) {
		script := ports.Replace(b.text)
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
			stopAll()
			servers = append(servers, startServer(t, b, cmd))
		case strings.Contains(last, "hubmessage proxy"):
			servers = append(servers, startServer(t, b, cmd))
		default:
			if strings.Contains(b.text, "hubmessage fidelity") {
				stopProxies()
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("README.md:%d: %v\n%s\noutput:\n%s", b.line, err, script, out)
			}
			t.Logf("README.md:%d: ran; its output:\n%s", b.line, out)
		}
	}
	stopAll()
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the blocks left %d entries in the temporary directory, the first %s", len(left), left[0].Name())
	}
}

// serverBlock is a block whose last command serves until Ctrl-C, run in a terminal.
type serverBlock struct {
	b       readmeBlock
	cmd     *exec.Cmd
	tty     *os.File    // the terminal's controller: what the newcomer types goes in here
	printed chan string // all it printed, once it exits
}

// startServer starts the block on a terminal of its own, as a newcomer's, and returns once
// it says it listens.
func startServer(t *testing.T, b readmeBlock, cmd *exec.Cmd) *serverBlock {
	t.Helper()
	ptmx, pts := openPTY(t)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true} // the terminal is its stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close() // the child holds it
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	s := &serverBlock{b: b, cmd: cmd, tty: ptmx, printed: make(chan string, 1)}
	listening := make(chan bool, 1)
	go func() {
		var all strings.Builder
		lines := bufio.NewScanner(ptmx) // ends with EIO once the terminal's last holder exits
		for lines.Scan() {
			line := strings.TrimSuffix(lines.Text(), "\r")
			all.WriteString(line + "\n")
			if strings.HasPrefix(line, "listening on ") {
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

// stop types Ctrl-C on the server's terminal and wants it to say "stopped" and exit 0.
func (s *serverBlock) stop(t *testing.T) {
	t.Helper()
	if _, err := s.tty.Write([]byte{0x03}); err != nil {
		t.Fatal(err)
	}
	err := s.cmd.Wait()
	printed := <-s.printed
	s.tty.Close()
	stopped := slices.ContainsFunc(strings.Split(printed, "\n"), func(l string) bool { return strings.TrimPrefix(l, "^C") == "stopped" }) // the terminal echoes ^C
	if !stopped || err != nil {
		t.Errorf("README.md:%d: after Ctrl-C: %v; want exit 0 and the server to say stopped:\n%s", s.b.line, err, printed)
		return
	}
	t.Logf("README.md:%d: served until Ctrl-C, then exited 0", s.b.line)
}

// openPTY opens a pseudo-terminal: its controller, and its terminal end for a child.
func openPTY(t *testing.T) (ptmx, pts *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("a pseudo-terminal: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(ptmx, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(ptmx, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	if pts, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0); err != nil {
		t.Fatal(err)
	}
	return ptmx, pts
}

func ioctl(f *os.File, req uint, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
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

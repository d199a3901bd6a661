package boot

import (
	"fmt"
	"strconv"
	"strings"
)

// Marker starts every line the /init script prints for the judge. Kernel
// console output may precede it on a line; what follows it is parsed.
const Marker = "@@bootcheck "

// KmsgMarker is written to the kernel log just before the first insmod:
// only kernel messages after it are judged.
const KmsgMarker = "bootcheck: loading modules"

// Log is what the /init script reported on the serial console.
type Log struct {
	Sections map[string]string // "begin NAME" ... "end NAME" -> the lines between
	Steps    []Step            // insmod/rmmod results, in order
	Started  bool              // "start" was seen
	Done     bool              // "done" was seen: the script ran to its end
}

// Step is one insmod or rmmod the script ran.
type Step struct {
	Verb string // "insmod" or "rmmod"
	Arg  string // the module file or name
	RC   int    // its exit status
}

// ParseSerial parses the serial console log of a boot.
func ParseSerial(text string) (*Log, error) {
	l := &Log{Sections: map[string]string{}}
	var open string
	var body []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		at := strings.Index(line, Marker)
		if at < 0 {
			if open != "" {
				body = append(body, line)
			}
			continue
		}
		if open != "" && at > 0 {
			body = append(body, line[:at])
		}
		f := strings.Fields(line[at+len(Marker):])
		bad := func(why string) error {
			return fmt.Errorf("serial log: line %d: %s: %q", i+1, why, line[at:])
		}
		if len(f) == 0 {
			return nil, bad("empty marker")
		}
		switch f[0] {
		case "start", "done":
			if len(f) != 1 {
				return nil, bad("unexpected words")
			}
			if open != "" {
				return nil, bad("section " + open + " is not ended")
			}
			if f[0] == "start" {
				l.Started = true
			} else {
				l.Done = true
			}
		case "begin":
			if len(f) != 2 {
				return nil, bad("want \"begin NAME\"")
			}
			if open != "" {
				return nil, bad("section " + open + " is not ended")
			}
			if _, dup := l.Sections[f[1]]; dup {
				return nil, bad("section " + f[1] + " repeated")
			}
			open, body = f[1], nil
		case "end":
			if len(f) != 2 || f[1] != open {
				return nil, bad("end of a section that is not open")
			}
			l.Sections[open] = strings.Join(body, "\n")
			open = ""
		case "insmod", "rmmod":
			if len(f) != 3 || !strings.HasPrefix(f[2], "rc=") {
				return nil, bad("want \"" + f[0] + " ARG rc=N\"")
			}
			if open != "" {
				return nil, bad("section " + open + " is not ended")
			}
			rc, err := strconv.Atoi(strings.TrimPrefix(f[2], "rc="))
			if err != nil {
				return nil, bad("bad exit status")
			}
			l.Steps = append(l.Steps, Step{Verb: f[0], Arg: f[1], RC: rc})
		default:
			return nil, bad("unknown marker")
		}
	}
	if open != "" {
		return nil, fmt.Errorf("serial log: section %s is not ended (did the guest die?)", open)
	}
	return l, nil
}

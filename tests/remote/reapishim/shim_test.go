package reapishim

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	lrpb "cloud.google.com/go/longrunning/autogen/longrunningpb"
	repb "github.com/bazelbuild/remote-apis/build/bazel/remote/execution/v2"
	"github.com/bazelbuild/remote-apis/build/bazel/semver"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fakeServer is an in-memory REAPI server that is as strict as casd about
// Directory records, and advertises API versions 2.1 to 2.11 like casd.
type fakeServer struct {
	repb.UnimplementedCapabilitiesServer
	repb.UnimplementedActionCacheServer
	repb.UnimplementedContentAddressableStorageServer
	repb.UnimplementedExecutionServer

	mu       sync.Mutex
	blobs    map[string][]byte
	results  map[string]*repb.ActionResult
	headers  []string // the "x-test" header of each call
	executes int
}

func newFakeServer() *fakeServer {
	return &fakeServer{blobs: map[string][]byte{}, results: map[string]*repb.ActionResult{}}
}

func (f *fakeServer) note(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.headers = append(f.headers, strings.Join(md.Get("x-test"), ","))
}

func (f *fakeServer) GetCapabilities(ctx context.Context, _ *repb.GetCapabilitiesRequest) (*repb.ServerCapabilities, error) {
	f.note(ctx)
	return &repb.ServerCapabilities{
		LowApiVersion:  &semver.SemVer{Major: 2, Minor: 1},
		HighApiVersion: &semver.SemVer{Major: 2, Minor: 11},
		CacheCapabilities: &repb.CacheCapabilities{
			DigestFunctions: []repb.DigestFunction_Value{repb.DigestFunction_SHA256},
		},
	}, nil
}

func (f *fakeServer) put(data []byte) *repb.Digest {
	d := digestOf(data)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blobs[d.GetHash()] = data
	return d
}

func (f *fakeServer) has(d *repb.Digest) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.blobs[d.GetHash()]
	return ok
}

func (f *fakeServer) FindMissingBlobs(ctx context.Context, r *repb.FindMissingBlobsRequest) (*repb.FindMissingBlobsResponse, error) {
	resp := &repb.FindMissingBlobsResponse{}
	for _, d := range r.GetBlobDigests() {
		if !f.has(d) {
			resp.MissingBlobDigests = append(resp.MissingBlobDigests, d)
		}
	}
	return resp, nil
}

func (f *fakeServer) BatchUpdateBlobs(ctx context.Context, r *repb.BatchUpdateBlobsRequest) (*repb.BatchUpdateBlobsResponse, error) {
	resp := &repb.BatchUpdateBlobsResponse{}
	for _, b := range r.GetRequests() {
		if got := digestOf(b.GetData()); got.GetHash() != b.GetDigest().GetHash() {
			return nil, status.Errorf(codes.InvalidArgument, "digest mismatch for %s", digestString(b.GetDigest()))
		}
		f.put(b.GetData())
		resp.Responses = append(resp.Responses, &repb.BatchUpdateBlobsResponse_Response{Digest: b.GetDigest()})
	}
	return resp, nil
}

func (f *fakeServer) BatchReadBlobs(ctx context.Context, r *repb.BatchReadBlobsRequest) (*repb.BatchReadBlobsResponse, error) {
	resp := &repb.BatchReadBlobsResponse{}
	for _, d := range r.GetDigests() {
		f.mu.Lock()
		data, ok := f.blobs[d.GetHash()]
		f.mu.Unlock()
		st := &repb.BatchReadBlobsResponse_Response{Digest: d, Data: data}
		if !ok {
			st.Status = status.New(codes.NotFound, "no such blob").Proto()
		}
		resp.Responses = append(resp.Responses, st)
	}
	return resp, nil
}

// UpdateActionResult stores any result. GetActionResult then refuses one
// whose Trees' Directory records are not in the CAS, as casd 1.4.30 does
// ("ActionResult missing N digests", NOT_FOUND: a cache miss).
func (f *fakeServer) UpdateActionResult(ctx context.Context, r *repb.UpdateActionResultRequest) (*repb.ActionResult, error) {
	f.note(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results[r.GetActionDigest().GetHash()] = r.GetActionResult()
	return r.GetActionResult(), nil
}

func (f *fakeServer) GetActionResult(ctx context.Context, r *repb.GetActionResultRequest) (*repb.ActionResult, error) {
	f.note(ctx)
	f.mu.Lock()
	res, ok := f.results[r.GetActionDigest().GetHash()]
	f.mu.Unlock()
	if !ok {
		return nil, status.Error(codes.NotFound, "no such action result")
	}
	missing := 0
	for _, dir := range res.GetOutputDirectories() {
		f.mu.Lock()
		data := f.blobs[dir.GetTreeDigest().GetHash()]
		f.mu.Unlock()
		tree := &repb.Tree{}
		if err := proto.Unmarshal(data, tree); err != nil {
			return nil, err
		}
		for _, d := range append([]*repb.Directory{tree.GetRoot()}, tree.GetChildren()...) {
			b, _ := proto.Marshal(d)
			if !f.has(digestOf(b)) {
				missing++
			}
		}
	}
	if missing > 0 {
		return nil, status.Errorf(codes.NotFound, "ActionResult missing %d digests", missing)
	}
	return res, nil
}

// Execute answers with two Operations, to show that streams pass through.
func (f *fakeServer) Execute(r *repb.ExecuteRequest, stream repb.Execution_ExecuteServer) error {
	f.note(stream.Context())
	for i, done := range []bool{false, true} {
		if err := stream.Send(&lrpb.Operation{Name: fmt.Sprintf("op/%d", i), Done: done}); err != nil {
			return err
		}
	}
	return status.Error(codes.OK, "")
}

// start serves srv on a loopback port and returns a client connection.
func start(t *testing.T, srv *grpc.Server) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// startShim serves a shim in front of upstream ("HOST:PORT" or "unix:PATH").
func startShim(t *testing.T, upstream string) (*grpc.ClientConn, *[]string) {
	t.Helper()
	up, err := Dial(upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })
	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	return start(t, New(up, logf).NewServer()), &logs
}

func startFake(t *testing.T) (*fakeServer, string) {
	t.Helper()
	fake := newFakeServer()
	srv := grpc.NewServer()
	repb.RegisterCapabilitiesServer(srv, fake)
	repb.RegisterActionCacheServer(srv, fake)
	repb.RegisterContentAddressableStorageServer(srv, fake)
	repb.RegisterExecutionServer(srv, fake)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return fake, lis.Addr().String()
}

// outputTree is an output directory "out" holding out/a and out/sub/b, as
// Bazel uploads it: the file blobs and the Tree, not the Directory records.
type outputTree struct {
	files [][]byte
	tree  []byte
	dirs  []*repb.Digest
}

func makeOutputTree(t *testing.T) outputTree {
	t.Helper()
	a, b := []byte("file a\n"), []byte("file b\n")
	sub := &repb.Directory{Files: []*repb.FileNode{{Name: "b", Digest: digestOf(b)}}}
	subBytes, err := proto.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	root := &repb.Directory{
		Files:       []*repb.FileNode{{Name: "a", Digest: digestOf(a), IsExecutable: true}},
		Directories: []*repb.DirectoryNode{{Name: "sub", Digest: digestOf(subBytes)}},
	}
	rootBytes, err := proto.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := proto.Marshal(&repb.Tree{Root: root, Children: []*repb.Directory{sub}})
	if err != nil {
		t.Fatal(err)
	}
	return outputTree{files: [][]byte{a, b}, tree: tree, dirs: []*repb.Digest{digestOf(rootBytes), digestOf(subBytes)}}
}

// upload puts the file blobs and the Tree into the CAS, as Bazel does.
func (o outputTree) upload(t *testing.T, conn *grpc.ClientConn, instance string) {
	t.Helper()
	req := &repb.BatchUpdateBlobsRequest{InstanceName: instance}
	for _, b := range append(append([][]byte{}, o.files...), o.tree) {
		req.Requests = append(req.Requests, &repb.BatchUpdateBlobsRequest_Request{Digest: digestOf(b), Data: b})
	}
	resp, err := repb.NewContentAddressableStorageClient(conn).BatchUpdateBlobs(context.Background(), req)
	if err != nil {
		t.Fatalf("BatchUpdateBlobs: %v", err)
	}
	for _, r := range resp.GetResponses() {
		if r.GetStatus().GetCode() != 0 {
			t.Fatalf("BatchUpdateBlobs %s: %s", digestString(r.GetDigest()), r.GetStatus().GetMessage())
		}
	}
}

func (o outputTree) update(conn *grpc.ClientConn, instance, action string) error {
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-test", "update")
	_, err := repb.NewActionCacheClient(conn).UpdateActionResult(ctx, &repb.UpdateActionResultRequest{
		InstanceName: instance,
		ActionDigest: digestOf([]byte(action)),
		ActionResult: &repb.ActionResult{
			OutputDirectories: []*repb.OutputDirectory{{Path: "out", TreeDigest: digestOf(o.tree)}},
		},
	})
	return err
}

func get(conn *grpc.ClientConn, action string) (*repb.ActionResult, error) {
	return repb.NewActionCacheClient(conn).GetActionResult(context.Background(),
		&repb.GetActionResultRequest{ActionDigest: digestOf([]byte(action))})
}

func TestGetCapabilitiesLowersLowAPIVersion(t *testing.T) {
	fake, addr := startFake(t)
	conn, logs := startShim(t, addr)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-test", "caps")
	caps, err := repb.NewCapabilitiesClient(conn).GetCapabilities(ctx, &repb.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("GetCapabilities through the shim: %v", err)
	}
	if got := version(caps.GetLowApiVersion()); got != "2.0" {
		t.Errorf("low_api_version = %s, want 2.0", got)
	}
	if got := version(caps.GetHighApiVersion()); got != "2.11" {
		t.Errorf("high_api_version = %s, want the upstream's 2.11", got)
	}
	if got := caps.GetCacheCapabilities().GetDigestFunctions(); len(got) != 1 || got[0] != repb.DigestFunction_SHA256 {
		t.Errorf("digest functions = %v, want the upstream's [SHA256]", got)
	}
	if len(fake.headers) != 1 || fake.headers[0] != "caps" {
		t.Errorf("headers seen upstream = %q, want [caps]", fake.headers)
	}
	if len(*logs) != 1 || !strings.Contains((*logs)[0], "2.1 lowered to 2.0") {
		t.Errorf("log = %q, want one line saying 2.1 was lowered to 2.0", *logs)
	}
}

func TestUpdateActionResultUploadsDirectories(t *testing.T) {
	fake, addr := startFake(t)
	directConn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer directConn.Close()
	conn, logs := startShim(t, addr)
	o := makeOutputTree(t)
	o.upload(t, conn, "")

	// Without the shim the result is stored but not served, as by casd.
	if err := o.update(directConn, "", "direct"); err != nil {
		t.Fatalf("UpdateActionResult without the shim: %v", err)
	}
	if _, err := get(directConn, "direct"); status.Code(err) != codes.NotFound {
		t.Fatalf("GetActionResult of a result stored without the shim: %v, want NotFound (the fake is too lenient)", err)
	}
	if err := o.update(conn, "", "shimmed"); err != nil {
		t.Fatalf("UpdateActionResult through the shim: %v", err)
	}
	if _, err := get(conn, "shimmed"); err != nil {
		t.Fatalf("GetActionResult of a result stored through the shim: %v", err)
	}
	for _, d := range o.dirs {
		if !fake.has(d) {
			t.Errorf("Directory %s is not in the CAS", digestString(d))
		}
	}
	if want := "out: uploaded 2 Directory records"; len(*logs) != 1 || !strings.Contains((*logs)[0], want) {
		t.Errorf("log = %q, want %q", *logs, want)
	}
	// A second time, nothing is missing.
	if err := o.update(conn, "", "again"); err != nil {
		t.Fatalf("second UpdateActionResult: %v", err)
	}
	if want := "uploaded 0 Directory records"; len(*logs) != 2 || !strings.Contains((*logs)[1], want) {
		t.Errorf("log = %q, want a second line with %q", *logs, want)
	}
}

func TestUpdateActionResultErrors(t *testing.T) {
	_, addr := startFake(t)
	conn, _ := startShim(t, addr)
	o := makeOutputTree(t)
	// The Tree was never uploaded.
	err := o.update(conn, "", "no tree")
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), `output directory "out"`) {
		t.Errorf("UpdateActionResult with the Tree missing: %v, want NotFound naming the output directory", err)
	}
}

func TestStreamsAndOtherCallsPassThrough(t *testing.T) {
	fake, addr := startFake(t)
	conn, logs := startShim(t, addr)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-test", "exec")
	stream, err := repb.NewExecutionClient(conn).Execute(ctx, &repb.ExecuteRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		op, err := stream.Recv()
		if err != nil {
			if status.Code(err) != codes.OK && err.Error() != "EOF" {
				t.Fatalf("Execute stream: %v", err)
			}
			break
		}
		names = append(names, op.GetName())
	}
	if strings.Join(names, " ") != "op/0 op/1" {
		t.Errorf("Execute operations = %q, want [op/0 op/1]", names)
	}
	// An upstream error passes through with its status.
	_, err = repb.NewActionCacheClient(conn).GetActionResult(ctx, &repb.GetActionResultRequest{ActionDigest: digestOf([]byte("never stored"))})
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "no such action result") {
		t.Errorf("GetActionResult: %v, want the upstream's NotFound", err)
	}
	// Unimplemented upstream stays unimplemented.
	wait, err := repb.NewExecutionClient(conn).WaitExecution(ctx, &repb.WaitExecutionRequest{Name: "op/0"})
	if err == nil {
		_, err = wait.Recv()
	}
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("WaitExecution: %v, want the upstream's Unimplemented", err)
	}
	if len(fake.headers) != 2 || fake.headers[0] != "exec" || fake.headers[1] != "exec" {
		t.Errorf("headers seen upstream = %q, want [exec exec]", fake.headers)
	}
	if len(*logs) != 0 {
		t.Errorf("calls passed through were logged as changed: %q", *logs)
	}
}

func TestTreeDirectoriesBadInput(t *testing.T) {
	o := makeOutputTree(t)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no root Directory"},
		{"truncated", o.tree[:len(o.tree)-3], "field 2"},
		{"field number 0", []byte{0x00}, "invalid field number"},
		{"cut tag", []byte{0xff}, "unexpected EOF"},
		{"not a Directory", []byte{0x0a, 0x02, 0xff, 0xff}, "field 1 is not a Directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := treeDirectories(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("treeDirectories(%x) = %v, want an error with %q", tc.data, err, tc.want)
			}
		})
	}
}

func FuzzTreeDirectories(f *testing.F) {
	f.Add(makeOutputTree(&testing.T{}).tree)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dirs, err := treeDirectories(data)
		if err == nil && len(dirs) == 0 {
			t.Error("no error and no directories")
		}
	})
}

// TestAgainstBuildboxCasd runs the same calls against the real casd:
// without the shim it advertises more than 2.0 and does not serve a result
// stored without its Directory records; with it, both work. It logs when
// casd no longer needs a fix.
func TestAgainstBuildboxCasd(t *testing.T) {
	casd := os.Getenv("FIPS140_TEST_BUILDBOX_CASD")
	if casd == "" {
		var err error
		if casd, err = exec.LookPath("buildbox-casd"); err != nil {
			testskip.Skipf(t, "no buildbox-casd: set FIPS140_TEST_BUILDBOX_CASD or put it on PATH (Debian package buildbox)")
		}
	}
	// A short path: unix socket names are limited to 108 bytes.
	dir, err := os.MkdirTemp("/tmp", "casd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "casd.sock")
	cmd := exec.Command(casd, "--bind=unix:"+sock, "--log-level=warning", filepath.Join(dir, "cache"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 100 {
			t.Fatalf("%s did not create %s in 10s:\n%s", casd, sock, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	direct, err := grpc.NewClient("unix:"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	conn, _ := startShim(t, "unix:"+sock)

	ctx := context.Background()
	caps, err := repb.NewCapabilitiesClient(direct).GetCapabilities(ctx, &repb.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("casd GetCapabilities: %v", err)
	}
	t.Logf("casd advertises REAPI %s to %s", version(caps.GetLowApiVersion()), version(caps.GetHighApiVersion()))
	if version(caps.GetLowApiVersion()) == "2.0" {
		t.Log("casd already serves 2.0: the version rewrite is no longer needed")
	}
	caps, err = repb.NewCapabilitiesClient(conn).GetCapabilities(ctx, &repb.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("GetCapabilities through the shim: %v", err)
	}
	if got := version(caps.GetLowApiVersion()); got != "2.0" {
		t.Errorf("low_api_version through the shim = %s, want 2.0", got)
	}

	o := makeOutputTree(t)
	o.upload(t, direct, "")
	if err := o.update(direct, "", "direct"); err != nil {
		t.Fatalf("casd UpdateActionResult: %v", err)
	}
	if _, err := get(direct, "direct"); err == nil {
		t.Log("casd serves a result stored without its Directory records: the upload is no longer needed")
	} else if status.Code(err) == codes.NotFound {
		t.Logf("casd does not serve a result stored without the shim (a cache miss): %v", err)
	} else {
		t.Errorf("casd GetActionResult of a result stored without the shim: %v, want NotFound or success", err)
	}
	if err := o.update(conn, "", "shimmed"); err != nil {
		t.Fatalf("UpdateActionResult through the shim: %v", err)
	}
	res, err := get(conn, "shimmed")
	if err != nil {
		t.Fatalf("GetActionResult of the stored result: %v", err)
	}
	if got := res.GetOutputDirectories(); len(got) != 1 || got[0].GetTreeDigest().GetHash() != digestOf(o.tree).GetHash() {
		t.Errorf("stored output directories = %v, want out with the Tree %s", got, digestString(digestOf(o.tree)))
	}
}

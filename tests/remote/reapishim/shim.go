// Package reapishim is a test fixture: a gRPC proxy that puts Bazel 7.7.1 in
// front of buildbox-casd, a Remote Execution API (REAPI) server. Every call
// is forwarded unchanged, as raw bytes, except two that casd and Bazel 7.7.1
// disagree on:
//
//   - Capabilities.GetCapabilities: casd advertises API versions 2.1 to 2.x,
//     Bazel 7.7.1 speaks 2.0 only and then builds without the remote. The
//     shim lowers the advertised low_api_version to 2.0.
//   - ActionCache.UpdateActionResult: casd serves a stored result only when
//     every Directory record of its output directories is in the CAS; else
//     GetActionResult answers NOT_FOUND ("ActionResult missing N digests")
//     and the action runs again. Bazel uploads only the Tree that holds
//     them. The shim reads each output directory's Tree from the CAS and
//     uploads its Directory records (root and children) before it forwards
//     the call.
//
// See docs/remote.md. It is not meant for production use.
package reapishim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	repb "github.com/bazelbuild/remote-apis/build/bazel/remote/execution/v2"
	"github.com/bazelbuild/remote-apis/build/bazel/semver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The two calls the shim changes.
const (
	getCapabilities    = "/build.bazel.remote.execution.v2.Capabilities/GetCapabilities"
	updateActionResult = "/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult"
)

// Shim forwards REAPI calls to an upstream server.
type Shim struct {
	upstream *grpc.ClientConn
	// logf, if set, reports each changed call.
	logf func(format string, args ...any)
}

// New returns a shim that forwards to upstream. logf may be nil.
func New(upstream *grpc.ClientConn, logf func(format string, args ...any)) *Shim {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Shim{upstream: upstream, logf: logf}
}

// Dial connects to an upstream REAPI server without TLS: "HOST:PORT" or
// "unix:PATH".
func Dial(target string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecureCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}),
			grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		return nil, fmt.Errorf("upstream %s: %w", target, err)
	}
	return conn, nil
}

// maxMessage bounds one gRPC message each way (Bazel's batches stay below
// the server's advertised batch size, 4 MiB for casd).
const maxMessage = 64 << 20

// NewServer returns a gRPC server on which every method is the shim's.
func (s *Shim) NewServer() *grpc.Server {
	return grpc.NewServer(
		grpc.ForceServerCodec(rawCodec{}),
		grpc.UnknownServiceHandler(s.handle),
		grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
}

func (s *Shim) handle(_ any, stream grpc.ServerStream) error {
	method, ok := grpc.MethodFromServerStream(stream)
	if !ok {
		return status.Error(codes.Internal, "reapishim: no method name in the stream")
	}
	ctx := forwardMetadata(stream.Context())
	switch method {
	case getCapabilities:
		return s.unary(ctx, stream, method, nil, s.lowerAPIVersion)
	case updateActionResult:
		return s.unary(ctx, stream, method, s.uploadDirectories, nil)
	}
	return s.proxy(ctx, stream, method)
}

// forwardMetadata passes the caller's headers (request metadata,
// authorization) on, without the transport's own.
func forwardMetadata(ctx context.Context) context.Context {
	in, _ := metadata.FromIncomingContext(ctx)
	out := metadata.MD{}
	for k, v := range in {
		if strings.HasPrefix(k, ":") || k == "content-type" || k == "user-agent" || k == "te" || strings.HasPrefix(k, "grpc-") {
			continue
		}
		out[k] = v
	}
	return metadata.NewOutgoingContext(ctx, out)
}

// unary forwards one request and its response; before, if set, may rewrite
// the request and after the response.
func (s *Shim) unary(ctx context.Context, stream grpc.ServerStream, method string,
	before, after func(context.Context, []byte) ([]byte, error)) error {
	var req frame
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	var err error
	if before != nil {
		if req, err = before(ctx, req); err != nil {
			return err
		}
	}
	var header, trailer metadata.MD
	var resp frame
	err = s.upstream.Invoke(ctx, method, req, &resp, grpc.Header(&header), grpc.Trailer(&trailer))
	stream.SetTrailer(trailer)
	if err != nil {
		return err
	}
	if after != nil {
		if resp, err = after(ctx, resp); err != nil {
			return err
		}
	}
	if err := stream.SetHeader(header); err != nil {
		return err
	}
	return stream.SendMsg(resp)
}

// lowerAPIVersion advertises REAPI 2.0 as the lowest version served.
func (s *Shim) lowerAPIVersion(_ context.Context, resp []byte) ([]byte, error) {
	caps := &repb.ServerCapabilities{}
	if err := proto.Unmarshal(resp, caps); err != nil {
		return nil, status.Errorf(codes.Internal, "reapishim: upstream GetCapabilities response: %v", err)
	}
	low := caps.GetLowApiVersion()
	if low == nil || low.GetMajor() > 2 || (low.GetMajor() == 2 && low.GetMinor() > 0) {
		s.logf("GetCapabilities: low_api_version %s lowered to 2.0", version(low))
		caps.LowApiVersion = &semver.SemVer{Major: 2}
	}
	return proto.Marshal(caps)
}

func version(v *semver.SemVer) string {
	if v == nil {
		return "(unset)"
	}
	return fmt.Sprintf("%d.%d", v.GetMajor(), v.GetMinor())
}

// uploadDirectories puts the Directory records of the result's output
// directories into the CAS; the request goes on unchanged.
func (s *Shim) uploadDirectories(ctx context.Context, req []byte) ([]byte, error) {
	r := &repb.UpdateActionResultRequest{}
	if err := proto.Unmarshal(req, r); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "reapishim: UpdateActionResult request: %v", err)
	}
	cas := casClient{conn: s.upstream, instance: r.GetInstanceName()}
	for _, dir := range r.GetActionResult().GetOutputDirectories() {
		n, err := cas.uploadTreeDirectories(ctx, dir.GetTreeDigest())
		if err != nil {
			return nil, status.Errorf(status.Code(err), "reapishim: output directory %q of action %s: %v",
				dir.GetPath(), r.GetActionDigest().GetHash(), err)
		}
		s.logf("UpdateActionResult: %s: uploaded %d Directory records", dir.GetPath(), n)
	}
	return req, nil
}

// proxy forwards a call of any kind (unary or streaming) unchanged.
func (s *Shim) proxy(ctx context.Context, down grpc.ServerStream, method string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	up, err := s.upstream.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, method)
	if err != nil {
		return err
	}
	// Requests: caller to upstream, until the caller closes its side.
	sent := make(chan error, 1)
	go func() {
		for {
			var m frame
			if err := down.RecvMsg(&m); err != nil {
				if errors.Is(err, io.EOF) {
					sent <- up.CloseSend()
				} else {
					sent <- err
				}
				return
			}
			if err := up.SendMsg(m); err != nil {
				// The upstream's status comes from RecvMsg below.
				sent <- nil
				return
			}
		}
	}()
	// Responses: upstream to caller, until the upstream ends the call.
	for first := true; ; first = false {
		var m frame
		err := up.RecvMsg(&m)
		if first {
			if h, herr := up.Header(); herr == nil {
				down.SetHeader(h)
			}
		}
		if errors.Is(err, io.EOF) {
			down.SetTrailer(up.Trailer())
			select {
			case err := <-sent:
				return err
			default:
				return nil
			}
		}
		if err != nil {
			down.SetTrailer(up.Trailer())
			return err
		}
		if err := down.SendMsg(m); err != nil {
			return err
		}
	}
}

package reapishim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	repb "github.com/bazelbuild/remote-apis/build/bazel/remote/execution/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// batchLimit bounds the bytes of one BatchUpdateBlobs or BatchReadBlobs
// call, below the 4 MiB that REAPI servers commonly advertise.
const batchLimit = 2 << 20

// casClient makes the few CAS calls the shim needs.
type casClient struct {
	conn     *grpc.ClientConn
	instance string
}

func (c casClient) call(ctx context.Context, method string, req, resp proto.Message) error {
	in, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	var out frame
	if err := c.conn.Invoke(ctx, "/build.bazel.remote.execution.v2.ContentAddressableStorage/"+method, frame(in), &out); err != nil {
		return err
	}
	if err := proto.Unmarshal(out, resp); err != nil {
		return status.Errorf(codes.Internal, "%s response: %v", method, err)
	}
	return nil
}

// uploadTreeDirectories reads a Tree from the CAS and uploads those of its
// Directory records that the CAS lacks. It returns how many it uploaded.
func (c casClient) uploadTreeDirectories(ctx context.Context, tree *repb.Digest) (int, error) {
	data, err := c.read(ctx, tree)
	if err != nil {
		return 0, err
	}
	dirs, err := treeDirectories(data)
	if err != nil {
		return 0, status.Errorf(codes.InvalidArgument, "Tree %s: %v", digestString(tree), err)
	}
	byHash := map[string][]byte{}
	req := &repb.FindMissingBlobsRequest{InstanceName: c.instance}
	for _, d := range dirs {
		dg := digestOf(d)
		if _, ok := byHash[dg.GetHash()]; !ok {
			byHash[dg.GetHash()] = d
			req.BlobDigests = append(req.BlobDigests, dg)
		}
	}
	missing := &repb.FindMissingBlobsResponse{}
	if err := c.call(ctx, "FindMissingBlobs", req, missing); err != nil {
		return 0, fmt.Errorf("FindMissingBlobs: %w", err)
	}
	var batch []*repb.BatchUpdateBlobsRequest_Request
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		resp := &repb.BatchUpdateBlobsResponse{}
		err := c.call(ctx, "BatchUpdateBlobs", &repb.BatchUpdateBlobsRequest{InstanceName: c.instance, Requests: batch}, resp)
		if err != nil {
			return fmt.Errorf("BatchUpdateBlobs: %w", err)
		}
		for _, r := range resp.GetResponses() {
			if st := r.GetStatus(); st.GetCode() != int32(codes.OK) {
				return status.Errorf(codes.Code(st.GetCode()), "uploading Directory %s: %s", digestString(r.GetDigest()), st.GetMessage())
			}
		}
		batch, size = nil, 0
		return nil
	}
	for _, dg := range missing.GetMissingBlobDigests() {
		d, ok := byHash[dg.GetHash()]
		if !ok {
			return 0, status.Errorf(codes.Internal, "FindMissingBlobs returned %s, which was not asked for", digestString(dg))
		}
		if len(d) > batchLimit {
			return 0, status.Errorf(codes.Unimplemented, "Directory %s is larger than %d bytes, the most the shim uploads in one batch", digestString(dg), batchLimit)
		}
		if size+len(d) > batchLimit {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		batch = append(batch, &repb.BatchUpdateBlobsRequest_Request{Digest: dg, Data: d})
		size += len(d)
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return len(missing.GetMissingBlobDigests()), nil
}

// read fetches one blob with BatchReadBlobs.
func (c casClient) read(ctx context.Context, dg *repb.Digest) ([]byte, error) {
	if dg.GetSizeBytes() > batchLimit {
		return nil, status.Errorf(codes.Unimplemented, "Tree %s is larger than %d bytes, the most the shim reads in one batch", digestString(dg), batchLimit)
	}
	resp := &repb.BatchReadBlobsResponse{}
	if err := c.call(ctx, "BatchReadBlobs", &repb.BatchReadBlobsRequest{InstanceName: c.instance, Digests: []*repb.Digest{dg}}, resp); err != nil {
		return nil, fmt.Errorf("BatchReadBlobs of Tree %s: %w", digestString(dg), err)
	}
	if len(resp.GetResponses()) != 1 {
		return nil, status.Errorf(codes.Internal, "BatchReadBlobs of Tree %s: %d responses for one digest", digestString(dg), len(resp.GetResponses()))
	}
	r := resp.GetResponses()[0]
	if st := r.GetStatus(); st.GetCode() != int32(codes.OK) {
		return nil, status.Errorf(codes.Code(st.GetCode()), "reading Tree %s from the CAS: %s", digestString(dg), st.GetMessage())
	}
	if got := digestOf(r.GetData()); got.GetHash() != dg.GetHash() || got.GetSizeBytes() != dg.GetSizeBytes() {
		return nil, status.Errorf(codes.DataLoss, "Tree %s: the CAS returned %s", digestString(dg), digestString(got))
	}
	return r.GetData(), nil
}

// treeDirectories returns the wire bytes of a Tree's root (field 1) and
// children (field 2). The bytes are kept as the client wrote them, so
// their digests are the ones the client computed.
func treeDirectories(tree []byte) ([][]byte, error) {
	var dirs [][]byte
	for b := tree; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		if (num == 1 || num == 2) && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
			}
			// A message must parse as a Directory to be one.
			if err := proto.Unmarshal(v, &repb.Directory{}); err != nil {
				return nil, fmt.Errorf("field %d is not a Directory: %w", num, err)
			}
			dirs = append(dirs, v)
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no root Directory")
	}
	return dirs, nil
}

func digestOf(data []byte) *repb.Digest {
	sum := sha256.Sum256(data)
	return &repb.Digest{Hash: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data))}
}

func digestString(d *repb.Digest) string {
	return fmt.Sprintf("%s/%d", d.GetHash(), d.GetSizeBytes())
}

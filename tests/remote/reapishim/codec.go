package reapishim

import (
	"fmt"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// frame is one gRPC message, kept as its wire bytes.
type frame []byte

// rawCodec passes frames through without decoding them. Its name is
// "proto", so that callers and the upstream see an ordinary content type.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case frame:
		return m, nil
	case *frame:
		return *m, nil
	}
	return nil, fmt.Errorf("reapishim: cannot send a %T", v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("reapishim: cannot receive into a %T", v)
	}
	*m = append((*m)[:0], data...)
	return nil
}

func insecureCredentials() credentials.TransportCredentials { return insecure.NewCredentials() }

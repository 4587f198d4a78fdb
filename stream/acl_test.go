package stream_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/meridian-cs/meridian/stream"
)

// The ACLs deploy/README.md lists for Meridian's principal on a secured cluster are enough to
// run it, and no more is asked: with topics made by an administrator, a principal allowed only
// Describe/Read/Write on meridian.<region>.events, Describe/Write on its .dlq and Read on the
// group meridian.stores.<region> passes the readiness check and topic check, publishes, and
// its sink stores and dead-letters; it cannot create a topic.
func TestMeridianRunsWithTheDocumentedACLsOnly(t *testing.T) {
	ctx := context.Background()
	events, dlq, group := stream.EventsTopic("eu"), stream.DeadLetterTopic("eu"), stream.StoresGroup("eu")
	allow := func(rt kmsg.ACLResourceType, name string, ops ...kmsg.ACLOperation) []kfake.ACL {
		var out []kfake.ACL
		for _, op := range ops {
			out = append(out, kfake.ACL{Resource: rt, Name: name, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: op, Allow: true})
		}
		return out
	}
	var acls []kfake.ACL
	acls = append(acls, allow(kmsg.ACLResourceTypeTopic, events, kmsg.ACLOperationDescribe, kmsg.ACLOperationRead, kmsg.ACLOperationWrite)...)
	acls = append(acls, allow(kmsg.ACLResourceTypeTopic, dlq, kmsg.ACLOperationDescribe, kmsg.ACLOperationWrite)...)
	acls = append(acls, allow(kmsg.ACLResourceTypeGroup, group, kmsg.ACLOperationRead)...)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser(stream.SCRAMSHA512, "admin", "admin-password"),
		kfake.User(stream.SCRAMSHA256, "meridian", "meridian-password", acls...))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrs := c.ListenAddrs()
	admin, err := stream.NewAuth(stream.SCRAMSHA512, "admin", "admin-password", nil)
	if err != nil {
		t.Fatal(err)
	}
	specs := []stream.TopicSpec{{Name: events, Partitions: 2}, {Name: dlq, Partitions: 1}}
	if err := stream.EnsureTopics(ctx, addrs, admin, specs); err != nil {
		t.Fatalf("administrator: %v", err)
	}

	auth, err := stream.NewAuth(stream.SCRAMSHA256, "meridian", "meridian-password", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Ping(ctx, addrs, auth); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := stream.EnsureTopics(ctx, addrs, auth, specs); err != nil {
		t.Fatalf("existing topics need no Create ACL: %v", err)
	}
	if err := stream.EnsureTopics(ctx, addrs, auth, []stream.TopicSpec{{Name: "meridian.xx.events", Partitions: 1}}); err == nil {
		t.Error("the principal created a topic it has no ACL for")
	}
	p := stream.NewProducer(addrs, auth)
	defer p.Close()
	var msgs []kafka.Message
	for i := range 20 {
		msgs = append(msgs, message(t, events, event("t-acl", "eu", fmt.Sprintf("acl%d", i), "DE")))
	}
	msgs = append(msgs, message(t, events, event("t-acl", "eu", "refused", "DE")))
	if err := p.Publish(ctx, msgs...); err != nil {
		t.Fatalf("publish: %v", err)
	}

	l := &ledger{refuse: "refused", ids: map[string]int{}}
	sctx, cancel := context.WithCancel(ctx)
	s := stream.NewSink(stream.SinkConfig{Name: "stores", Brokers: addrs, Auth: auth, Topic: events, Group: group,
		DeadLetterTopic: dlq, MaxWait: 50 * time.Millisecond}, stream.EventHandler{Region: "eu", Stores: map[string]stream.EventStore{"ledger": l}})
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx) }()
	waitFor(t, "20 events in the ledger", func() bool { return len(l.stored()) == 20 })
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Dialer: admin.Dialer(5 * time.Second), Topic: dlq, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	defer rcancel()
	if _, err := r.ReadMessage(rctx); err != nil {
		t.Fatalf("dead-letter topic: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

package graphql

import (
	"context"
	"slices"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/metrics"
)

// The workspace fields of a conversation (assignee, priority, queue, sla, page) each need the
// engine's state of that conversation, and assignee its agent. Read one conversation at a
// time, an inbox of 50 would cost a few hundred PostgreSQL round trips; the dataloaders of a
// response gather the keys its fields ask for within loaderWait and read each kind in one
// query per region and tenant, so a page costs a constant number of round trips.

// loaderWait is how long a loader gathers keys before it reads them: gqlgen starts a list's
// field resolvers at once, so they all arrive well within it.
const loaderWait = 5 * time.Millisecond

// convKey names a conversation (or an agent) of a tenant in a region.
type convKey struct{ region, tenant, id string }

// WorkBatchReader reads the engine's state of many conversations at once
// (store/postgres.Engine). A workspace store without it is read one conversation at a time.
type WorkBatchReader interface {
	FindAll(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Work, error)
	LatestPages(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Page, error)
}

// AgentBatchReader reads many agents of a region by id (store/postgres.Agents). Agents
// without it are listed per region.
type AgentBatchReader interface {
	Get(ctx context.Context, tenant, region string, ids []string) (map[string]conversation.Agent, error)
}

// loaders are one response's dataloaders; nil values mean "none".
type loaders struct {
	work   *dataloadgen.Loader[convKey, *engine.Work]
	pages  *dataloadgen.Loader[convKey, *engine.Page]
	agents *dataloadgen.Loader[convKey, *conversation.Agent]
	offers *dataloadgen.Loader[convKey, *engine.Offer]
	// lastMessages: keys carry the principal's tenant; the reader is the response's principal.
	lastMessages *dataloadgen.Loader[convKey, *metrics.Message]
	// grants caches reader's answers (handoff_resolver.go) by tenant, region, conversation.
	grants sync.Map
}

// loaderSlot holds a response's loaders, made on first use.
type loaderSlot struct {
	once sync.Once
	l    *loaders
}

type loaderSlotKey struct{}

// withLoaderSlot gives each response (a query's, or each event of a subscription) its own
// loaders, so nothing read for one answer is served stale to the next.
func withLoaderSlot(ctx context.Context, next gql.ResponseHandler) *gql.Response {
	return next(context.WithValue(ctx, loaderSlotKey{}, &loaderSlot{}))
}

// loaders returns the response's loaders (fresh ones outside a response, which then batch
// nothing across calls).
func (r *Resolver) loaders(ctx context.Context) *loaders {
	slot, _ := ctx.Value(loaderSlotKey{}).(*loaderSlot)
	if slot == nil {
		return r.newLoaders()
	}
	slot.once.Do(func() { slot.l = r.newLoaders() })
	return slot.l
}

func (r *Resolver) newLoaders() *loaders {
	opt := dataloadgen.WithWait(loaderWait)
	return &loaders{
		work:         dataloadgen.NewLoader(batchByRegion(r.fetchWork), opt),
		pages:        dataloadgen.NewLoader(batchByRegion(r.fetchPages), opt),
		agents:       dataloadgen.NewLoader(batchByRegion(r.fetchAgents), opt),
		offers:       dataloadgen.NewLoader(batchByRegion(r.fetchOffers), opt),
		lastMessages: dataloadgen.NewLoader(batchByRegion(r.fetchLastMessages), opt),
	}
}

// batchByRegion turns a fetch of one region and tenant into a loader's fetch of any keys:
// one call per region and tenant among them.
func batchByRegion[V any](fetch func(ctx context.Context, region, tenant string, ids []string) (map[string]V, error)) func(context.Context, []convKey) ([]*V, []error) {
	return func(ctx context.Context, keys []convKey) ([]*V, []error) {
		type scope struct{ region, tenant string }
		ids := map[scope][]string{}
		for _, k := range keys {
			s := scope{k.region, k.tenant}
			ids[s] = append(ids[s], k.id)
		}
		found := map[convKey]V{}
		failed := map[scope]error{}
		for s, list := range ids {
			got, err := fetch(ctx, s.region, s.tenant, list)
			if err != nil {
				failed[s] = err
				continue
			}
			for id, v := range got {
				found[convKey{s.region, s.tenant, id}] = v
			}
		}
		out, errs := make([]*V, len(keys)), make([]error, len(keys))
		for i, k := range keys {
			if err := failed[scope{k.region, k.tenant}]; err != nil {
				errs[i] = err
				continue
			}
			if v, ok := found[k]; ok {
				out[i] = &v
			}
		}
		return out, errs
	}
}

func (r *Resolver) fetchWork(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Work, error) {
	if b, ok := r.workspace.Store.(WorkBatchReader); ok {
		return b.FindAll(ctx, region, tenant, ids)
	}
	out := map[string]engine.Work{}
	for _, id := range ids {
		w, ok, err := r.workspace.Store.Find(ctx, region, tenant, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = w
		}
	}
	return out, nil
}

func (r *Resolver) fetchPages(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Page, error) {
	if b, ok := r.workspace.Store.(WorkBatchReader); ok {
		return b.LatestPages(ctx, region, tenant, ids)
	}
	out := map[string]engine.Page{}
	for _, id := range ids {
		p, ok, err := r.workspace.Store.LatestPage(ctx, region, tenant, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = p
		}
	}
	return out, nil
}

// fetchLastMessages reads the latest message of conversations of a region. Each key was
// given by reader, which granted the response's principal that region (its own, or the home
// region of a conversation handed to it), so the read is made with that region added.
func (r *Resolver) fetchLastMessages(ctx context.Context, region, tenant string, ids []string) (map[string]metrics.Message, error) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.Tenant != tenant {
		return nil, auth.ErrForbidden
	}
	if !p.CanAccess(region) {
		p.Regions = append(slices.Clone(p.Regions), region)
	}
	return r.engine.LastMessages(ctx, p, region, ids)
}

func (r *Resolver) fetchAgents(ctx context.Context, region, tenant string, ids []string) (map[string]conversation.Agent, error) {
	if b, ok := r.agents.(AgentBatchReader); ok {
		return b.Get(ctx, tenant, region, ids)
	}
	as, err := r.agents.List(ctx, tenant, region)
	if err != nil {
		return nil, err
	}
	out := map[string]conversation.Agent{}
	for _, a := range as {
		out[a.ID] = a
	}
	return out, nil
}

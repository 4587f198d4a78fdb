package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
)

// FindAll reads the engine's state of several conversations of a region in one query (the
// workspace's dataloaders); conversations the engine has no state of are absent.
func (s *Engine) FindAll(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Work, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT `+workColumns+` FROM %s.work WHERE tenant_id = $1 AND conversation_id = ANY($2)`, RegionSchema(region)), tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", region, err)
	}
	defer rows.Close()
	out := make(map[string]engine.Work, len(ids))
	for rows.Next() {
		w, err := scanWork(rows)
		if err != nil {
			return nil, fmt.Errorf("engine %s: %w", region, err)
		}
		out[w.ConversationID] = w
	}
	return out, rows.Err()
}

// LatestPages reads the latest page of several conversations of a region in one query;
// conversations nobody was paged for are absent.
func (s *Engine) LatestPages(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Page, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT DISTINCT ON (conversation_id) `+pageColumns+` FROM %s.pages
WHERE tenant_id = $1 AND conversation_id = ANY($2) ORDER BY conversation_id, created_at DESC`, RegionSchema(region)), tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("pages %s: %w", region, err)
	}
	defer rows.Close()
	out := map[string]engine.Page{}
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, fmt.Errorf("pages %s: %w", region, err)
		}
		out[p.ConversationID] = p
	}
	return out, rows.Err()
}

// Get reads several agents of a region by id in one query; unknown ids are absent.
func (s *Agents) Get(ctx context.Context, tenant, region string, ids []string) (map[string]conversation.Agent, error) {
	if !slices.Contains(s.Regions, region) {
		return nil, fmt.Errorf("agents: %q is not a region", region)
	}
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT `+agentColumns+` FROM %s.agents WHERE tenant_id = $1 AND agent_id = ANY($2)`, RegionSchema(region)), tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("agents %s: %w", region, err)
	}
	defer rows.Close()
	out := make(map[string]conversation.Agent, len(ids))
	for rows.Next() {
		a, err := scanAgent(rows, region)
		if err != nil {
			return nil, err
		}
		out[a.ID] = a
	}
	return out, rows.Err()
}

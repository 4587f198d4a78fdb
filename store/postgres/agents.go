package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/conversation"
)

// Agents is conversation.Agents: each agent lives in their region's schema
// (region_<r>.agents); an agent moved to another region leaves the old one in the same
// transaction.
type Agents struct {
	DB      *DB
	Regions []string
}

const agentColumns = `agent_id, name, team, languages, skills, tiers, max_concurrent, capacity, timezone, shifts, presence, presence_at, updated_at`

func scanAgent(row pgx.Row, region string) (conversation.Agent, error) {
	a := conversation.Agent{Region: region}
	var langs, capacity, shifts []byte
	var presence string
	if err := row.Scan(&a.ID, &a.Name, &a.Team, &langs, &a.Skills, &a.Tiers, &a.MaxConcurrent, &capacity, &a.Timezone, &shifts, &presence, &a.PresenceAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.Presence = conversation.Presence(presence)
	if err := errors.Join(json.Unmarshal(langs, &a.Languages), json.Unmarshal(capacity, &a.Capacity), json.Unmarshal(shifts, &a.Shifts)); err != nil {
		return a, fmt.Errorf("agent %s: %w", a.ID, err)
	}
	return a, nil
}

// Upsert implements conversation.Agents. The agent's presence is kept (a new agent starts
// offline); the description replaces the stored one.
func (s *Agents) Upsert(ctx context.Context, tenant string, a conversation.Agent) (conversation.Agent, error) {
	if !slices.Contains(s.Regions, a.Region) {
		return a, fmt.Errorf("agents: %q is not a region", a.Region)
	}
	langs, err1 := json.Marshal(a.Languages)
	capacity, err2 := json.Marshal(nonNil(a.Capacity))
	shifts, err3 := json.Marshal(nonNilSlice(a.Shifts))
	if err := errors.Join(err1, err2, err3); err != nil {
		return a, err
	}
	tx, err := s.DB.Pool.Begin(ctx)
	if err != nil {
		return a, fmt.Errorf("agents: %w", err)
	}
	defer tx.Rollback(ctx)
	presence := string(conversation.Offline)
	for _, r := range s.Regions {
		if r == a.Region {
			continue
		}
		// A move between regions carries the agent's presence along.
		var was string
		err := tx.QueryRow(ctx, fmt.Sprintf(`DELETE FROM %s.agents WHERE tenant_id = $1 AND agent_id = $2 RETURNING presence`, RegionSchema(r)), tenant, a.ID).Scan(&was)
		if err == nil {
			presence = was
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return a, fmt.Errorf("agents %s: %w", r, err)
		}
	}
	row := tx.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.agents (tenant_id, agent_id, name, team, languages, skills, tiers, max_concurrent, capacity, timezone, shifts, presence)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (tenant_id, agent_id) DO UPDATE SET name = excluded.name, team = excluded.team, languages = excluded.languages,
  skills = excluded.skills, tiers = excluded.tiers, max_concurrent = excluded.max_concurrent, capacity = excluded.capacity,
  timezone = excluded.timezone, shifts = excluded.shifts, updated_at = now()
RETURNING `+agentColumns, RegionSchema(a.Region)),
		tenant, a.ID, a.Name, a.Team, langs, nonNilSlice(a.Skills), nonNilSlice(a.Tiers), a.MaxConcurrent, capacity, a.Timezone, shifts, presence)
	got, err := scanAgent(row, a.Region)
	if err != nil {
		return a, fmt.Errorf("agents %s: %w", a.Region, err)
	}
	return got, tx.Commit(ctx)
}

// SetPresence implements conversation.Agents: it finds the agent in regions (the caller's).
func (s *Agents) SetPresence(ctx context.Context, tenant, id string, p conversation.Presence, regions []string) (conversation.Agent, error) {
	for _, r := range s.Regions {
		if regions != nil && !slices.Contains(regions, r) {
			continue
		}
		row := s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`UPDATE %s.agents SET presence = $3, presence_at = now() WHERE tenant_id = $1 AND agent_id = $2 RETURNING `+agentColumns, RegionSchema(r)), tenant, id, string(p))
		a, err := scanAgent(row, r)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return a, fmt.Errorf("agents %s: %w", r, err)
		}
		return a, nil
	}
	return conversation.Agent{}, conversation.ErrNotFound
}

// List implements conversation.Agents: a region's agents by id.
func (s *Agents) List(ctx context.Context, tenant, region string) ([]conversation.Agent, error) {
	if !slices.Contains(s.Regions, region) {
		return nil, fmt.Errorf("agents: %q is not a region", region)
	}
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT `+agentColumns+` FROM %s.agents WHERE tenant_id = $1 ORDER BY agent_id`, RegionSchema(region)), tenant)
	if err != nil {
		return nil, fmt.Errorf("agents %s: %w", region, err)
	}
	defer rows.Close()
	return collect(rows, func(r pgx.Row) (conversation.Agent, error) { return scanAgent(r, region) })
}

func nonNil[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

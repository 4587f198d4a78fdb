package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
)

// Teams is conversation.Teams: each team lives in its region's schema (region_<r>.teams).
type Teams struct {
	DB      *DB
	Regions []string
}

const teamColumns = `team_id, name, assignment, offer_timeout_seconds, updated_at`

func scanTeam(row pgx.Row, region string) (conversation.Team, error) {
	t := conversation.Team{Region: region}
	var assignment string
	var seconds int
	err := row.Scan(&t.ID, &t.Name, &assignment, &seconds, &t.UpdatedAt)
	t.Assignment, t.OfferTimeout = conversation.Assignment(assignment), time.Duration(seconds)*time.Second
	return t, err
}

// UpsertTeam implements conversation.Teams.
func (s *Teams) UpsertTeam(ctx context.Context, tenant string, t conversation.Team) (conversation.Team, error) {
	if !slices.Contains(s.Regions, t.Region) {
		return t, fmt.Errorf("teams: %q is not a region", t.Region)
	}
	got, err := scanTeam(s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.teams (tenant_id, team_id, name, assignment, offer_timeout_seconds)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id, team_id) DO UPDATE SET name = excluded.name, assignment = excluded.assignment,
  offer_timeout_seconds = excluded.offer_timeout_seconds, updated_at = now()
RETURNING `+teamColumns, RegionSchema(t.Region)), tenant, t.ID, t.Name, string(t.Assignment), int(t.OfferTimeout/time.Second)), t.Region)
	if err != nil {
		return t, fmt.Errorf("teams %s: %w", t.Region, err)
	}
	return got, nil
}

// Teams implements conversation.Teams.
func (s *Teams) Teams(ctx context.Context, tenant, region string) ([]conversation.Team, error) {
	if !slices.Contains(s.Regions, region) {
		return nil, fmt.Errorf("teams: %q is not a region", region)
	}
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT `+teamColumns+` FROM %s.teams WHERE tenant_id = $1 ORDER BY team_id`, RegionSchema(region)), tenant)
	if err != nil {
		return nil, fmt.Errorf("teams %s: %w", region, err)
	}
	defer rows.Close()
	out := []conversation.Team{}
	for rows.Next() {
		t, err := scanTeam(rows, region)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Team implements engine.OfferTx.
func (t *engineTx) Team(ctx context.Context, teamID string) (conversation.Team, bool, error) {
	team, err := scanTeam(t.tx.QueryRow(ctx, fmt.Sprintf(`SELECT `+teamColumns+` FROM %s.teams WHERE tenant_id = $1 AND team_id = $2`, t.schema), t.tenant, teamID), t.region)
	if errors.Is(err, pgx.ErrNoRows) {
		return team, false, nil
	}
	if err != nil {
		return team, false, fmt.Errorf("engine %s: team %s: %w", t.region, teamID, err)
	}
	return team, true, nil
}

const offerColumns = `conversation_id, offer_id, agent_id, coalesce(expires_at, 'epoch'), declined`

func scanOffer(row pgx.Row) (engine.Offer, error) {
	var o engine.Offer
	err := row.Scan(&o.ConversationID, &o.ID, &o.AgentID, &o.ExpiresAt, &o.Declined)
	return o, err
}

// Offer implements engine.OfferTx.
func (t *engineTx) Offer(ctx context.Context, conversationID string) (engine.Offer, bool, error) {
	o, err := scanOffer(t.tx.QueryRow(ctx, fmt.Sprintf(`SELECT `+offerColumns+` FROM %s.offers WHERE tenant_id = $1 AND conversation_id = $2 FOR UPDATE`, t.schema), t.tenant, conversationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("engine %s: offer of %s: %w", t.region, conversationID, err)
	}
	return o, true, nil
}

// SaveOffer implements engine.OfferTx.
func (t *engineTx) SaveOffer(ctx context.Context, o engine.Offer) error {
	var expires *time.Time
	if o.AgentID != "" {
		expires = &o.ExpiresAt
	}
	_, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.offers (tenant_id, conversation_id, offer_id, agent_id, expires_at, declined) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET offer_id = excluded.offer_id, agent_id = excluded.agent_id, expires_at = excluded.expires_at, declined = excluded.declined`, t.schema),
		t.tenant, o.ConversationID, o.ID, o.AgentID, expires, nonNilSlice(o.Declined))
	if err != nil {
		return fmt.Errorf("engine %s: offer of %s: %w", t.region, o.ConversationID, err)
	}
	return nil
}

// ExpiredOffers implements engine.OfferStore.
func (s *Engine) ExpiredOffers(ctx context.Context, region string, now time.Time, limit int) ([]engine.ExpiredOffer, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT tenant_id, `+offerColumns+` FROM %s.offers WHERE agent_id <> '' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`, RegionSchema(region)), now, limit)
	if err != nil {
		return nil, fmt.Errorf("engine %s: expired offers: %w", region, err)
	}
	defer rows.Close()
	var out []engine.ExpiredOffer
	for rows.Next() {
		var x engine.ExpiredOffer
		if err := rows.Scan(&x.Tenant, &x.ConversationID, &x.ID, &x.AgentID, &x.ExpiresAt, &x.Declined); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// FindOffer implements engine.OfferStore.
func (s *Engine) FindOffer(ctx context.Context, region, tenant, conversationID string) (engine.Offer, bool, error) {
	o, err := scanOffer(s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT `+offerColumns+` FROM %s.offers WHERE tenant_id = $1 AND conversation_id = $2`, RegionSchema(region)), tenant, conversationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("engine %s: offer of %s: %w", region, conversationID, err)
	}
	return o, true, nil
}

// OffersTo implements engine.OfferTx.
func (t *engineTx) OffersTo(ctx context.Context, agentID string) ([]engine.Offer, error) {
	rows, err := t.tx.Query(ctx, fmt.Sprintf(`SELECT `+offerColumns+` FROM %s.offers WHERE tenant_id = $1 AND agent_id = $2 ORDER BY expires_at FOR UPDATE`, t.schema), t.tenant, agentID)
	if err != nil {
		return nil, fmt.Errorf("engine %s: offers to %s: %w", t.region, agentID, err)
	}
	defer rows.Close()
	return collect(rows, scanOffer)
}

// Declined implements engine.OfferTx.
func (t *engineTx) Declined(ctx context.Context) (map[string][]string, error) {
	rows, err := t.tx.Query(ctx, fmt.Sprintf(`SELECT conversation_id, declined FROM %s.offers WHERE tenant_id = $1 AND agent_id = '' AND cardinality(declined) > 0`, t.schema), t.tenant)
	if err != nil {
		return nil, fmt.Errorf("engine %s: declined offers: %w", t.region, err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var conv string
		var declined []string
		if err := rows.Scan(&conv, &declined); err != nil {
			return nil, err
		}
		out[conv] = declined
	}
	return out, rows.Err()
}

// FindOffers reads many conversations' offer states (graphql.OfferBatchReader).
func (s *Engine) FindOffers(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Offer, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT `+offerColumns+` FROM %s.offers WHERE tenant_id = $1 AND conversation_id = ANY($2)`, RegionSchema(region)), tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("engine %s: offers: %w", region, err)
	}
	defer rows.Close()
	out := map[string]engine.Offer{}
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, err
		}
		out[o.ConversationID] = o
	}
	return out, rows.Err()
}

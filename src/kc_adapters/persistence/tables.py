"""The relational schema: one table per domain entity, the audit log and its retention anchor.

Lengths follow the domain's validation limits. References are foreign keys without cascades:
the admin service already refuses to delete a referenced object, and the database backs it up.
Sets of ids that the domain keeps on the entity itself (``User.report_filter_ids``...) are JSON
lists, not link tables, because the domain never joins through them.
"""

from __future__ import annotations

import sqlalchemy as sa

from kc_domain.audit.model import Outcome
from kc_domain.callbacks.model import CallbackSource, CallbackState
from kc_domain.clients.model import ClientKind, FieldType
from kc_domain.identity.roles import Role
from kc_domain.organisation.model import CategoryKind, PauseKind, RoutingStrategy
from kc_domain.outbound.campaigns import CampaignState, DialMode
from kc_domain.outbound.outcomes import Outcome as Outcome_
from kc_domain.recordings.evaluation import Criterion, Score, TimelineNote
from kc_domain.reports.schedule import Frequency
from kc_domain.supervision.model import AlertKind, Severity, WallboardLayout
from kc_domain.voicemail import VoicemailState

from .types import (
    EnumSet,
    EnumText,
    IntSet,
    OpeningHoursJson,
    OverflowTargetJson,
    RetryRulesJson,
    StrSet,
    StrTuple,
    UTCDateTime,
)
from .value_json import ValueTuple

# Deterministic constraint names on every backend; SQLite batch migrations need names to drop by.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# sqlite_autoincrement on every entity table: SQLite would otherwise reuse the id of a deleted last
# row; ids appear in the audit log, so an id must never come to mean another object (PostgreSQL
# sequences never reuse either).


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


agent_groups = sa.Table(
    "agent_groups",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("roles", EnumSet(Role), nullable=False),
    sqlite_autoincrement=True,
)

report_filters = sa.Table(
    "report_filters",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("reports", StrSet(), nullable=False),
    sa.Column("queue_ids", IntSet(), nullable=False),
    sa.Column("group_ids", IntSet(), nullable=False),
    sqlite_autoincrement=True,
)

caller_rules = sa.Table(
    "caller_rules",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("numbers", StrSet(), nullable=False),
    sa.Column("prefixes", StrSet(), nullable=False),
    sa.Column("statuses", StrSet(), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=True),
    sa.Column("block", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

announcements = sa.Table(
    "announcements",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("prompt", sa.String(64), nullable=False),
    sa.Column("numbers", StrSet(), nullable=False),
    sa.Column("valid_from", UTCDateTime(), nullable=True),
    sa.Column("valid_until", UTCDateTime(), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

# IVR trees (IN-06, ADM-11): every saved version is kept; the definition is the plain tree as JSON.
ivr_trees = sa.Table(
    "ivr_trees",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("name", "version"),
    sqlite_autoincrement=True,
)

ivr_numbers = sa.Table(
    "ivr_numbers",
    metadata,
    _id(),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("tree_name", sa.String(80), nullable=False),
    sqlite_autoincrement=True,
)

# Voicemail messages (IN-08); the audio is a WAV file in the voicemail store under ``audio_name``.
voicemails = sa.Table(
    "voicemails",
    metadata,
    _id(),
    sa.Column("caller", sa.String(32), nullable=False),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=True),
    sa.Column("box", sa.String(60), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("audio_name", sa.String(64), nullable=False, unique=True),
    sa.Column("client_ids", IntSet(), nullable=False),
    sa.Column("state", EnumText(VoicemailState), nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("done_at", UTCDateTime(), nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    sqlite_autoincrement=True,
)

# Callback requests (IN-09, AG-17): the engine keeps them in memory and saves each change here.
# The id is the engine's string id; attempts are a JSON list of {at, agent_id, outcome, note}
# (``at`` as ISO 8601 UTC text), because they are only ever read and written with their request.
# ``agent_id`` has no foreign key: it is the engine's agent, which may be a retired user.
callbacks = sa.Table(
    "callbacks",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("caller", sa.String(32), nullable=False, index=True),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("joined_at", UTCDateTime(), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("source", EnumText(CallbackSource), nullable=False),
    sa.Column("preferred_at", UTCDateTime(), nullable=True),
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("client_ids", sa.JSON, nullable=False),
    sa.Column("state", EnumText(CallbackState), nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, nullable=True, index=True),
    sa.Column("attempts", sa.JSON, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("retry_after_s", sa.Integer, nullable=False),
    sa.Column("next_try_at", UTCDateTime(), nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.Column("cancel_reason", sa.Text, nullable=False),
)

# The customer database (CDB-02, CDB-03, IN-11). ``field_values`` holds the configurable fields by key
# (a JSON object of strings); ``search_text`` is the folded ``Client.search_key()``, kept on every write
# so that a case- and accent-insensitive search is a LIKE on one column. A phone number is shared by
# several clients (a family), hence its own table, indexed by number for the caller identification.
client_fields = sa.Table(
    "client_fields",
    metadata,
    _id(),
    sa.Column("key", sa.String(40), nullable=False, unique=True),
    sa.Column("label", sa.String(80), nullable=False),
    sa.Column("type", EnumText(FieldType), nullable=False),
    sa.Column("choices", StrTuple(), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("required", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("show_in_list", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

clients = sa.Table(
    "clients",
    metadata,
    _id(),
    sa.Column("kind", EnumText(ClientKind), nullable=False),
    sa.Column("identifier", sa.String(20), nullable=False, index=True),
    sa.Column("icis_id", sa.String(40), nullable=False, index=True),
    sa.Column("first_name", sa.String(60), nullable=False),
    sa.Column("surname", sa.String(80), nullable=False),
    sa.Column("title", sa.String(40), nullable=False),
    sa.Column("company", sa.String(120), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("field_values", sa.JSON, nullable=False),
    sa.Column("search_text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sqlite_autoincrement=True,
)

client_phones = sa.Table(
    "client_phones",
    metadata,
    sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), primary_key=True),
    sa.Column("number", sa.String(32), primary_key=True, index=True),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("full_name", sa.String(120), nullable=False),
    sa.Column("roles", EnumSet(Role), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("agent_number", sa.String(16), nullable=False),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("agent_groups.id"), nullable=True, index=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("password_changed_at", UTCDateTime(), nullable=True),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime(), nullable=True),
    # Sessions carry the epoch they began in; sign-out and a new password raise it (0021).
    sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
    sa.Column("report_filter_ids", IntSet(), nullable=False),
    # The phone that rings for the agent at the PBX (INT-04, 0023).
    sa.Column("endpoint", sa.String(96), nullable=False, server_default=""),
    sa.Column("direct_number", sa.String(20), nullable=False, server_default=""),  # 0029
    # An agent number is optional, so only the users that have one must differ (0020).
    sa.Index(
        "uq_users_agent_number",
        "agent_number",
        unique=True,
        sqlite_where=sa.text("agent_number <> ''"),
        postgresql_where=sa.text("agent_number <> ''"),
    ),
    sqlite_autoincrement=True,
)

queues = sa.Table(
    "queues",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("agent_groups.id"), nullable=True, index=True),
    sa.Column("sl_target_percent", sa.Integer, nullable=False),
    sa.Column("sl_threshold_s", sa.Integer, nullable=False),
    sa.Column("wrap_up_s", sa.Integer, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("hours", OpeningHoursJson(), nullable=False),
    sa.Column("overflow", OverflowTargetJson(), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("strategy", EnumText(RoutingStrategy), nullable=False),
    sa.Column("rona_timeout_s", sa.Integer, nullable=False),
    sa.Column("max_wait_s", sa.Integer, nullable=False),
    sa.Column("sticky_wait_s", sa.Integer, nullable=False),
    sa.Column("overflow_when_no_agents", sa.Boolean, nullable=False),
    sa.Column("announce_every_s", sa.Integer, nullable=False),
    sa.Column("announce_position", sa.Boolean, nullable=False),
    sa.Column("announce_wait", sa.Boolean, nullable=False),
    sa.Column("callback_key", sa.String(1), nullable=False),
    sa.Column("voicemail_key", sa.String(1), nullable=False),
    # A number is optional, so only the queues that have one must differ (as the admin service checks).
    sa.Index(
        "uq_queues_number",
        "number",
        unique=True,
        sqlite_where=sa.text("number <> ''"),
        postgresql_where=sa.text("number <> ''"),
    ),
    sqlite_autoincrement=True,
)

agent_skills = sa.Table(
    "agent_skills",
    metadata,
    _id(),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=False, index=True),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("sign_in_locked", sa.Boolean, nullable=False),
    # Also serves lookups by user_id (its leading column), hence no separate index on user_id.
    sa.UniqueConstraint("user_id", "queue_id"),
    sqlite_autoincrement=True,
)

pause_codes = sa.Table(
    "pause_codes",
    metadata,
    _id(),
    sa.Column("code", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("kind", EnumText(PauseKind), nullable=False),
    sa.Column("max_duration_min", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

call_categories = sa.Table(
    "call_categories",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("call_categories.id"), nullable=True, index=True),
    sa.Column("kind", EnumText(CategoryKind), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    # NULL parents are distinct in SQL, so top-level names rely on the admin service's own check.
    sa.UniqueConstraint("parent_id", "kind", "name"),
    sqlite_autoincrement=True,
)

transfer_line_groups = sa.Table(
    "transfer_line_groups",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("position", sa.Integer, nullable=False),
    sqlite_autoincrement=True,
)

transfer_lines = sa.Table(
    "transfer_lines",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("transfer_line_groups.id"), nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("group_id", "name"),
    sqlite_autoincrement=True,
)

# The audit log: ``seq`` and both hashes come from the domain (kc_domain.audit.model.seal), so the
# key is never generated here. Free text is Text: recording must never fail on a length limit.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime(), nullable=False, index=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("object_type", sa.Text, nullable=False),
    sa.Column("object_id", sa.Text, nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("outcome", EnumText(Outcome), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Where the chain starts after retention removed older records; exactly one row (id 1), created by
# the initial migration. Appenders lock this row, which serialises them even when the log is empty.
ANCHOR_ID = 1
audit_anchor = sa.Table(
    "audit_anchor",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.CheckConstraint(f"id = {ANCHOR_ID}", name="single_row"),
)


# -- the ACD engine's journal: events, decisions and the projections folded from them ----------------
event_log = sa.Table(
    "event_log",
    metadata,
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("at", UTCDateTime(), nullable=False, index=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("call_id", sa.String(64), nullable=True, index=True),
    sa.Column("agent_id", sa.Integer, nullable=True, index=True),
    sa.Column("data", sa.JSON, nullable=False),
)

# How far the engine's numbered batches have reached the journal (apps.engine.outbox): one row (id
# 1), written in the transaction of each batch, so that a batch replayed after a crash is skipped.
JOURNAL_MARK_ID = 1
journal_mark = sa.Table(
    "journal_mark",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("through", sa.BigInteger, nullable=False),
    sa.CheckConstraint(f"id = {JOURNAL_MARK_ID}", name="single_row"),
)

routing_decisions = sa.Table(
    "routing_decisions",
    metadata,
    _id(),
    sa.Column("call_id", sa.String(64), nullable=False, index=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("queue_id", sa.Integer, nullable=False),
    sa.Column("rule", sa.String(40), nullable=False),
    sa.Column("chosen", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("candidates", sa.JSON, nullable=False),
    sqlite_autoincrement=True,
)

interactions = sa.Table(
    "interactions",
    metadata,
    sa.Column("call_id", sa.String(64), primary_key=True),
    sa.Column("caller", sa.String(32), nullable=False, index=True),
    sa.Column("dialled", sa.String(32), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("queue_id", sa.Integer, nullable=True, index=True),
    sa.Column("agent_id", sa.Integer, nullable=True, index=True),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("rule", sa.String(80), nullable=False),
    sa.Column("arrived_at", UTCDateTime(), nullable=True, index=True),
    sa.Column("queued_at", UTCDateTime(), nullable=True),
    sa.Column("offered_at", UTCDateTime(), nullable=True),
    sa.Column("answered_at", UTCDateTime(), nullable=True),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("end_stage", sa.String(32), nullable=False, index=True),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("waited_s", sa.Float, nullable=True),
    sa.Column("talk_s", sa.Float, nullable=True),
    sa.Column("offers", sa.Integer, nullable=False),
    sa.Column("rona_count", sa.Integer, nullable=False),
    sa.Column("holds", sa.Integer, nullable=False),
    sa.Column("transferred_to", sa.String(80), nullable=False),
    sa.Column("overflow_reason", sa.String(32), nullable=False),
    # The arrival in the contact centre's time zone, for the reports' day, weekday and time-of-day
    # filters and breakdowns without time-zone arithmetic in SQL (REP-06, REP-17, REP-19; 0013).
    sa.Column("local_day", sa.Date, nullable=True),
    sa.Column("local_weekday", sa.SmallInteger, nullable=True),  # 0 Monday .. 6 Sunday
    sa.Column("local_minute", sa.SmallInteger, nullable=True),  # minute of the day, 0 .. 1439
    sa.Column("caller_wait_s", sa.Float, nullable=True),  # arrival to pick-up, or to hang-up if lost
    sa.Column("ring_s", sa.Float, nullable=True),  # offered to the agent to pick-up
    # An agent's own history and a queue's statistics over a period (AG-08, AG-09; migration 0011).
    sa.Index("ix_interactions_agent_id_arrived_at", "agent_id", "arrived_at"),
    sa.Index("ix_interactions_queue_id_arrived_at", "queue_id", "arrived_at"),
    sa.Index("ix_interactions_local_day_queue_id", "local_day", "queue_id"),
)

agent_state_intervals = sa.Table(
    "agent_state_intervals",
    metadata,
    _id(),
    sa.Column("agent_id", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("pause_code", sa.String(20), nullable=False),
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Index("ix_agent_state_intervals_agent_id_started_at", "agent_id", "started_at"),
    sa.Index("ix_agent_state_intervals_started_at", "started_at"),  # agent time over a period (0017)
    sqlite_autoincrement=True,
)


# -- what agents record about a call (IN-12, AG-04, AG-13, REC-01); keyed by the engine's call id ------
# No foreign keys to users or categories: a record outlives a retired agent or a removed category.
contact_records = sa.Table(
    "contact_records",
    metadata,
    sa.Column("call_id", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.Integer, nullable=True, index=True),
    sa.Column("client_id", sa.Integer, nullable=True, index=True),
    sa.Column("category_id", sa.Integer, nullable=True),
    sa.Column("recording_opt_out", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
)

note_versions = sa.Table(
    "note_versions",
    metadata,
    sa.Column("call_id", sa.String(64), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author_id", sa.Integer, nullable=True, index=True),
    sa.Column("author_name", sa.String(120), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("draft", sa.Boolean, nullable=False),
)


# -- supervision (RT-06, WB-01) ---------------------------------------------------------------------
alert_rules = sa.Table(
    "alert_rules",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("kind", EnumText(AlertKind, 32), nullable=False),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=True),
    sa.Column("limit", sa.Integer, nullable=False),
    sa.Column("severity", EnumText(Severity), nullable=False),
    sa.Column("min_offered", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

alerts = sa.Table(
    "alerts",
    metadata,
    _id(),
    sa.Column("rule_id", sa.Integer, nullable=False),
    sa.Column("kind", EnumText(AlertKind, 32), nullable=False),
    sa.Column("subject", sa.String(40), nullable=False),
    sa.Column("severity", EnumText(Severity), nullable=False),
    sa.Column("queue_id", sa.Integer, nullable=True),
    sa.Column("agent_id", sa.Integer, nullable=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("limit", sa.Float, nullable=False),
    sa.Column("detail", sa.String(120), nullable=False),
    sa.Column("raised_at", UTCDateTime(), nullable=True),
    sa.Column("cleared_at", UTCDateTime(), nullable=True, index=True),
    sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
    sa.Column("acknowledged_by", sa.Integer, nullable=True),
    sqlite_autoincrement=True,
)

wallboards = sa.Table(
    "wallboards",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("queue_ids", IntSet(), nullable=False),
    sa.Column("layouts", EnumSet(WallboardLayout), nullable=False),
    sa.Column("rotate_s", sa.Integer, nullable=False),
    sa.Column("waiting_warn", sa.Integer, nullable=False),
    sa.Column("waiting_alarm", sa.Integer, nullable=False),
    sa.Column("wait_warn_s", sa.Integer, nullable=False),
    sa.Column("wait_alarm_s", sa.Integer, nullable=False),
    sa.Column("kiosk_token_hash", sa.String(64), nullable=False, index=True),
    sa.Column("kiosk_token_issued_at", UTCDateTime(), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)


# -- scheduled reports (REP-21) -----------------------------------------------------------------------
report_schedules = sa.Table(
    "report_schedules",
    metadata,
    _id(),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("report", sa.String(40), nullable=False),
    sa.Column("query", sa.String(1000), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("recipients", StrTuple(), nullable=False),
    sa.Column("frequency", EnumText(Frequency), nullable=False),
    sa.Column("weekday", sa.Integer, nullable=False),
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("at", sa.String(5), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("next_run_at", UTCDateTime(), nullable=True, index=True),
    sa.Column("last_run_at", UTCDateTime(), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sqlite_autoincrement=True,
)


# -- call recordings (REC-01..REC-05) --------------------------------------------------------------------
recordings = sa.Table(
    "recordings",
    metadata,
    _id(),
    sa.Column("call_id", sa.String(64), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("path", sa.String(200), nullable=False, unique=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("agent_id", sa.Integer, nullable=True, index=True),
    sa.Column("legal_hold", sa.Boolean, nullable=False),
    sa.Column("hold_reason", sa.String(200), nullable=False),
    sa.Column("purged_at", UTCDateTime(), nullable=True),
    sqlite_autoincrement=True,
)


# -- evaluation of recorded calls (REC-07) ------------------------------------------------------------
evaluation_forms = sa.Table(
    "evaluation_forms",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("criteria", ValueTuple(Criterion.from_plain), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

# An evaluation keeps its own copy of the criteria with the scores, so no key to the form: a form
# deleted later leaves its evaluations whole. The score is a column for the per-agent report.
evaluations = sa.Table(
    "evaluations",
    metadata,
    _id(),
    sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), nullable=False, index=True),
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("agent_id", sa.Integer, nullable=False),
    sa.Column("form_id", sa.Integer, nullable=True),
    sa.Column("form_name", sa.String(80), nullable=False),
    sa.Column("evaluator_id", sa.Integer, nullable=False),
    sa.Column("evaluator_name", sa.String(120), nullable=False),
    sa.Column("scores", ValueTuple(Score.from_plain), nullable=False),
    sa.Column("notes", ValueTuple(TimelineNote.from_plain), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("score_percent", sa.Float, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_evaluations_agent_id_created_at", "agent_id", "created_at"),
    sqlite_autoincrement=True,
)

# ---- Report roll-ups (REP-11..REP-20, migration 0019): the call figures and the agents' time of
# whole past days, summed by the worker (``rollups.py``) so that a report over months reads
# thousands of rows, not millions. A day is used only while its row in ``report_rollup_days``
# exists and its thresholds are the queues' current ones; the journal deletes that row when a call
# or a contact record of the day changes, and the worker sums the day again.
report_rollup_days = sa.Table(
    "report_rollup_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("thresholds", sa.Text, nullable=False),  # the service-level thresholds used, as JSON
    sa.Column("rolled_at", UTCDateTime(), nullable=False),
)

# ``kind``: "queue" (by queue and 15-minute slot), "agent" (by queue, agent and hour), "category"
# (by queue, call category and hour); one row per key with the sums of ``CallFigures``.
REPORT_FIGURE_COLUMNS = (
    *(
        (name, sa.Integer)
        for name in (
            "inbound",
            "outbound",
            "answered",
            "outbound_connected",
            "lost",
            "lost_before_ivr",
            "lost_in_ivr",
            "lost_in_queue",
            "lost_ringing",
            "short_abandons",
            "transferred",
            "called_back",
            "answered_in_sl",
        )
    ),
    *((name, sa.Float) for name in ("talk_s", "outbound_talk_s", "wait_s", "queue_wait_s", "ring_s")),
    *(
        (name, sa.Integer)
        for name in (
            "wait_10",
            "wait_20",
            "wait_30",
            "wait_more",
            "ring_10",
            "ring_20",
            "ring_30",
            "ring_more",
        )
    ),
)
report_call_rollups = sa.Table(
    "report_call_rollups",
    metadata,
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("weekday", sa.SmallInteger, nullable=False),
    sa.Column("slot", sa.SmallInteger, nullable=False),  # first minute of the day's slot
    sa.Column("queue_id", sa.Integer, nullable=True),
    sa.Column("agent_id", sa.Integer, nullable=True),
    sa.Column("category_id", sa.Integer, nullable=True),
    *(sa.Column(name, kind, nullable=False) for name, kind in REPORT_FIGURE_COLUMNS),
    sa.Index("ix_report_call_rollups_kind_day", "kind", "day"),
)

# Each agent's seconds per state and pause code within one local day; ``started``: the intervals
# that began that day, ``carried``: those begun earlier and still running into it.
report_agent_days = sa.Table(
    "report_agent_days",
    metadata,
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("pause_code", sa.String(20), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("started", sa.Integer, nullable=False),
    sa.Column("carried", sa.Integer, nullable=False),
)

# Per-node IVR counts by local day (REP-09, migration 0019): each caller's walk (``CallLeftIvr``)
# added by the journal as it records it, so the IVR report reads a row per day and node.
ivr_node_days = sa.Table(
    "ivr_node_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("tree", sa.Text, primary_key=True),
    sa.Column("node", sa.Text, primary_key=True),
    *(
        sa.Column(name, sa.Integer, nullable=False)
        for name in ("calls", "entries", "exits", "timeouts", "invalid", "abandons")
    ),
)
ivr_choice_days = sa.Table(
    "ivr_choice_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("tree", sa.Text, primary_key=True),
    sa.Column("node", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),  # the menu key pressed
    sa.Column("count", sa.Integer, nullable=False),
)

# Outbound campaigns (OUT-01..OUT-13, migration 0024): the campaign, its list (one row per contact,
# indexed for the dialler's "who is due" and the supervisor's progress), and the do-not-call list.
campaigns = sa.Table(
    "campaigns",
    metadata,
    _id(),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=False, index=True),
    sa.Column("mode", EnumText(DialMode), nullable=False),
    sa.Column("hours", OpeningHoursJson(), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("abandon_cap", sa.Float, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("ring_s", sa.Integer, nullable=False),
    sa.Column("caller_id", sa.String(32), nullable=False),
    sa.Column("officer_caller_id", sa.Boolean, nullable=False),
    sa.Column("record", sa.Boolean, nullable=False),
    sa.Column("intro_prompt", sa.String(64), nullable=False),
    sa.Column("script_id", sa.Integer, nullable=True),
    sa.Column("retries", RetryRulesJson(), nullable=False),
    sa.Column("state", EnumText(CampaignState), nullable=False, index=True),
)
campaign_entries = sa.Table(
    "campaign_entries",
    metadata,
    _id(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("client_id", sa.Integer, nullable=True),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("extra", sa.JSON, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_try_at", UTCDateTime(), nullable=True),
    sa.Column("agreed_with", sa.Integer, nullable=True),
    sa.Column("last_outcome", EnumText(Outcome_, 24), nullable=True),
    sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("abandoned_at", UTCDateTime(), nullable=True),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("removed", sa.Boolean, nullable=False),
    sa.Column("reserved_by", sa.Integer, nullable=True),
    sa.Column("reserved_at", UTCDateTime(), nullable=True),
    sa.Index("ix_campaign_entries_open", "campaign_id", "done", "removed", "next_try_at"),
    sa.Index("ix_campaign_entries_phone", "campaign_id", "phone"),
)
do_not_call = sa.Table(
    "do_not_call",
    metadata,
    _id(),
    sa.Column("phone", sa.String(32), nullable=False, unique=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("added_at", UTCDateTime(), nullable=True),
    sa.Column("added_by", sa.String(64), nullable=False),
)

# Call scripts (OUT-15, migration 0025): each script whole as JSON (``script_to_plain``), its name and
# how many times it was saved. ``campaigns.script_id`` names one; no foreign key, as campaigns came
# first (0024) and SQLite would rebuild the table for one: scripts are never deleted, and the
# campaign service refuses an unknown script.
call_scripts = sa.Table(
    "call_scripts",
    metadata,
    _id(),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("saved_at", UTCDateTime(), nullable=True),
    sa.Column("saved_by", sa.String(64), nullable=False),
)

# Campaign attempts (OUT-14, OUT-15, OUT-18, migration 0026): one row per contact shown to an agent of
# a preview or manual campaign, until skipped or finished with an outcome; the call script's answers
# as JSON (``ScriptRun.to_plain()``). Read by campaign (the report) and by entry.
campaign_attempts = sa.Table(
    "campaign_attempts",
    metadata,
    _id(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("entry_id", sa.Integer, sa.ForeignKey("campaign_entries.id"), nullable=False),
    sa.Column("agent_id", sa.Integer, nullable=True),  # None: the dialler's, no agent (0028)
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("outcome", EnumText(Outcome_, 24), nullable=True),
    sa.Column("skip_reason", sa.String(200), nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("script_version", sa.Integer, nullable=True),
    sa.Index("ix_campaign_attempts_campaign", "campaign_id", "started_at"),
    sa.Index("ix_campaign_attempts_entry", "entry_id"),
    sa.Index("ix_campaign_attempts_agent_open", "agent_id", "ended_at"),
)

# Import structures (OUT-06, migration 0027): how a campaign's contact list file is read, whole as
# JSON (``structure_to_plain``) under its unique name.
import_structures = sa.Table(
    "import_structures",
    metadata,
    _id(),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("saved_at", UTCDateTime(), nullable=True),
    sa.Column("saved_by", sa.String(64), nullable=False),
)

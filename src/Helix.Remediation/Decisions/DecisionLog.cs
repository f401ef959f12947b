using System.Text.Json;
using Helix.Postgres;
using Npgsql;

namespace Helix.Remediation.Decisions;

/// <summary>A signal that something is wrong with an application: an alert or an ArgoCD notification.</summary>
/// <param name="Source">alertmanager or argocd.</param>
/// <param name="DedupeKey">Unique per signal of that source (Alertmanager: group key, fingerprint and start time).</param>
/// <param name="Application">The ArgoCD application the signal is about.</param>
/// <param name="ObservedAt">When the trouble began: an alert's <c>startsAt</c>, a notification's arrival.</param>
/// <param name="ReceivedAt">When the service received it.</param>
/// <param name="Payload">The signal as it arrived, for the record.</param>
public sealed record Signal(string Source, string DedupeKey, string Application, DateTimeOffset ObservedAt, DateTimeOffset ReceivedAt, JsonElement Payload)
{
    /// <summary>How decisions name the signal: <c>source:key</c>.</summary>
    public string Id => $"{Source}:{DedupeKey}";
}

/// <summary>What one batch changed: the signals recorded for the first time, and how many were marked resolved.</summary>
public sealed record BatchOutcome(IReadOnlyList<Signal> Recorded, int Resolved);

/// <summary>What the service decided about an application, acted on or not, and why.</summary>
public sealed record Decision(
    string Application,
    DateTimeOffset DecidedAt,
    string Outcome,
    string Reason,
    string? Healthy = null,
    string? Bad = null,
    string? Branch = null,
    string? PullRequestUrl = null,
    IReadOnlyList<string>? Signals = null)
{
    public long Id { get; init; }
}

/// <summary>
/// Signals and decisions in PostgreSQL, reached through PgBouncer in transaction mode: every
/// statement stands alone, no session state, no prepared statements, tables qualified with the
/// schema. The tables are created by <see cref="MigrateAsync"/> over a direct connection.
/// </summary>
public sealed class DecisionLog(NpgsqlDataSource pooled, string schema)
{
    /// <summary>Outcomes that opened or found a pull request: what the cooldown and the one-open-PR rule look at.</summary>
    public const string Acted = "pull-request";

    private string T(string table) => $"\"{schema}\".\"{table}\"";

    /// <summary>Versioned migrations (<see cref="SchemaMigrations"/>): append, never edit one that shipped.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE {0}.signals (
            source      text        NOT NULL,
            dedupe_key  text        NOT NULL,
            application text        NOT NULL,
            observed_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            resolved_at timestamptz,
            payload     jsonb       NOT NULL,
            PRIMARY KEY (source, dedupe_key));
        CREATE INDEX signals_by_application ON {0}.signals (application, observed_at);
        CREATE TABLE {0}.decisions (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            application      text        NOT NULL,
            decided_at       timestamptz NOT NULL,
            outcome          text        NOT NULL,
            reason           text        NOT NULL,
            healthy          text,
            bad              text,
            branch           text,
            pull_request_url text,
            signals          text[]      NOT NULL DEFAULT '{{}}');
        CREATE INDEX decisions_by_application ON {0}.decisions (application, decided_at DESC);
        CREATE TABLE {0}.leases (
            application text        PRIMARY KEY,
            holder      text        NOT NULL,
            expires_at  timestamptz NOT NULL);
        """,
    ];

    /// <summary>Creates or upgrades the schema; run at start-up (or by a command) over a direct connection, never through the pooler.</summary>
    public static Task MigrateAsync(NpgsqlDataSource direct, string schema, CancellationToken cancellationToken) =>
        SchemaMigrations.ApplyAsync(direct, schema, Migrations, cancellationToken);

    /// <summary>Records a signal once; false when the same signal was recorded before (a duplicate delivery).</summary>
    public async Task<bool> TryRecordAsync(Signal signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return (await RecordAsync([signal], signal.Source, [], signal.ReceivedAt, cancellationToken).ConfigureAwait(false)).Recorded.Count == 1;
    }

    /// <summary>Marks signals resolved (Alertmanager's resolved notices); those are no longer evidence.</summary>
    public async Task<int> ResolveAsync(string source, IReadOnlyList<string> dedupeKeys, DateTimeOffset at, CancellationToken cancellationToken) =>
        (await RecordAsync([], source, dedupeKeys, at, cancellationToken).ConfigureAwait(false)).Resolved;

    /// <summary>
    /// One webhook's worth, in one transaction: the signals not recorded before are recorded and
    /// the resolved keys of <paramref name="source"/> marked, or nothing is (a failure half way
    /// leaves no signal recorded that the sender's retry would then call a duplicate).
    /// </summary>
    public async Task<BatchOutcome> RecordAsync(IReadOnlyList<Signal> signals, string source, IReadOnlyList<string> resolvedKeys, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(resolvedKeys);
        if (signals.Count == 0 && resolvedKeys.Count == 0)
        {
            return new BatchOutcome([], 0);
        }
        await using var connection = await pooled.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var recorded = new List<Signal>();
        if (signals.Count > 0)
        {
            // One statement for the batch; a key twice in it is recorded once (the second conflicts with the first).
            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO {T("signals")} (source, dedupe_key, application, observed_at, received_at, payload)
                SELECT s, k, a, o, r, p::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[]) AS b(s, k, a, o, r, p)
                ON CONFLICT DO NOTHING RETURNING source, dedupe_key
                """, connection, transaction);
            insert.With(
                SqlParameters.TextArray(signals.Select(x => x.Source)),
                SqlParameters.TextArray(signals.Select(x => x.DedupeKey)),
                SqlParameters.TextArray(signals.Select(x => x.Application)),
                SqlParameters.TimeArray(signals.Select(x => x.ObservedAt)),
                SqlParameters.TimeArray(signals.Select(x => x.ReceivedAt)),
                SqlParameters.TextArray(signals.Select(x => x.Payload.GetRawText())));
            var inserted = new HashSet<(string, string)>();
            await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inserted.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
            recorded.AddRange(signals.Where(x => inserted.Remove((x.Source, x.DedupeKey))));
        }
        var resolved = 0;
        if (resolvedKeys.Count > 0)
        {
            await using var resolve = new NpgsqlCommand($"UPDATE {T("signals")} SET resolved_at = $3 WHERE source = $1 AND dedupe_key = ANY($2) AND resolved_at IS NULL", connection, transaction);
            resolve.With(source, SqlParameters.TextArray(resolvedKeys), at.UtcDateTime);
            resolved = await resolve.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BatchOutcome(recorded, resolved);
    }

    /// <summary>Marks every unresolved signal of one source about the application resolved (ArgoCD's on-deployed: healthy again).</summary>
    public async Task<int> ResolveApplicationAsync(string source, string application, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"UPDATE {T("signals")} SET resolved_at = $3 WHERE source = $1 AND application = $2 AND resolved_at IS NULL");
        command.With(source, application, at.UtcDateTime);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The application's unresolved signals that began within [from, to], oldest first.</summary>
    public async Task<IReadOnlyList<Signal>> ActiveSignalsAsync(string application, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand(
            $"SELECT source, dedupe_key, observed_at, received_at, payload::text FROM {T("signals")} "
            + "WHERE application = $1 AND observed_at BETWEEN $2 AND $3 AND resolved_at IS NULL ORDER BY observed_at, source, dedupe_key");
        command.With(application, from.UtcDateTime, to.UtcDateTime);
        var signals = new List<Signal>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            using var payload = JsonDocument.Parse(reader.GetString(4));
            signals.Add(new Signal(reader.GetString(0), reader.GetString(1), application,
                Utc(reader.GetDateTime(2)), Utc(reader.GetDateTime(3)), payload.RootElement.Clone()));
        }
        return signals;
    }

    /// <summary>Applications with unresolved signals received since a moment: what a restarted service looks at again.</summary>
    public async Task<IReadOnlyList<string>> ApplicationsWithSignalsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"SELECT DISTINCT application FROM {T("signals")} WHERE received_at >= $1 AND resolved_at IS NULL ORDER BY application");
        command.With(since.UtcDateTime);
        var applications = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applications.Add(reader.GetString(0));
        }
        return applications;
    }

    /// <summary>
    /// Takes the application's lease for a while: only one replica decides about an application at a
    /// time. A lease row, not an advisory lock: through a transaction pooler no session outlives a
    /// statement, and a decision takes longer than one.
    /// </summary>
    public async Task<bool> TryLeaseAsync(string application, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand(
            $"""
            INSERT INTO {T("leases")} AS l (application, holder, expires_at) VALUES ($1, $2, now() + $3)
            ON CONFLICT (application) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE l.expires_at < now() OR l.holder = excluded.holder
            """);
        command.With(application, holder, duration);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task ReleaseAsync(string application, string holder, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"DELETE FROM {T("leases")} WHERE application = $1 AND holder = $2");
        command.With(application, holder);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public async Task<long> RecordAsync(Decision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        await using var command = pooled.CreateCommand(
            $"INSERT INTO {T("decisions")} (application, decided_at, outcome, reason, healthy, bad, branch, pull_request_url, signals) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id");
        command.With(
            decision.Application,
            decision.DecidedAt.UtcDateTime,
            decision.Outcome,
            decision.Reason,
            SqlParameters.Text(decision.Healthy),
            SqlParameters.Text(decision.Bad),
            SqlParameters.Text(decision.Branch),
            SqlParameters.Text(decision.PullRequestUrl),
            SqlParameters.TextArray(decision.Signals ?? []));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The application's most recent decision that opened or found a pull request, if any.</summary>
    public async Task<Decision?> LastActedAsync(string application, CancellationToken cancellationToken)
    {
        var found = await QueryAsync($"WHERE application = $1 AND outcome = '{Acted}' ORDER BY decided_at DESC, id DESC LIMIT 1", [application], cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Decisions newest first, of one application or all; <paramref name="before"/> pages on by id.</summary>
    public Task<IReadOnlyList<Decision>> ListAsync(string? application, long? before, int limit, CancellationToken cancellationToken) =>
        QueryAsync($"WHERE ($1::text IS NULL OR application = $1) AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT {Math.Clamp(limit, 1, 1000)}",
            [application, before], cancellationToken);

    private async Task<IReadOnlyList<Decision>> QueryAsync(string tail, object?[] parameters, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand(
            $"SELECT id, application, decided_at, outcome, reason, healthy, bad, branch, pull_request_url, signals FROM {T("decisions")} {tail}").With(parameters);
        var decisions = new List<Decision>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Nullable(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            decisions.Add(new Decision(reader.GetString(1), Utc(reader.GetDateTime(2)), reader.GetString(3), reader.GetString(4),
                Nullable(5), Nullable(6), Nullable(7), Nullable(8), reader.GetFieldValue<string[]>(9)) { Id = reader.GetInt64(0) });
        }
        return decisions;
    }
}

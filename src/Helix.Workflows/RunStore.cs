using System.Text.Json.Nodes;
using Helix.Postgres;
using Npgsql;

namespace Helix.Workflows;

/// <summary>Where a run stands.</summary>
public static class RunStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Interrupted = "interrupted";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>A run as the API shows it.</summary>
public sealed record RunView(
    Guid Id, string Workflow, string Status, int Step, JsonNode? Input, JsonNode? Output, string? Error, JsonNode? Interrupt,
    string? SourceKey, Guid? ParentId, int? ParentStep, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One committed step: the tasks that ran and what each wrote, and what comes next.</summary>
public sealed record StepView(int Step, DateTimeOffset CommittedAt, IReadOnlyList<TaskWrites> Tasks, JsonNode? Next);

/// <summary>A task's writes, as stored (the step's delta).</summary>
public sealed record TaskWrites(string TaskId, string Node, JsonNode? Writes);

/// <summary>A run to record: who it is, where it starts, and what it came from.</summary>
/// <param name="Id">Its id: random, or derived from <see cref="SourceKey"/> so a retry finds it.</param>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="Input">What it was started with, as given.</param>
/// <param name="State">Its starting state (step 0's snapshot).</param>
/// <param name="Entry">The tasks of its first step.</param>
internal sealed record NewRun(Guid Id, string Workflow, JsonNode? Input, JsonObject State, IReadOnlyList<PendingTask> Entry)
{
    /// <summary>An event's id or a client's key: at most one run per key.</summary>
    public string? SourceKey { get; init; }

    /// <summary>The run and step it forks from or was spawned by.</summary>
    public (Guid Run, int Step)? Parent { get; init; }

    /// <summary>Created already held by this worker for this long, to be run at once.</summary>
    public (string Owner, TimeSpan Lease)? ClaimedBy { get; init; }
}

/// <summary>What the runner needs to continue a run it has claimed.</summary>
/// <param name="Id">The run.</param>
/// <param name="Workflow">Its workflow's name.</param>
/// <param name="Step">Its last committed step.</param>
/// <param name="Next">The tasks of the step to run next.</param>
/// <param name="Resume">A person's value for the task that asked, at the step it asked in; empty otherwise.</param>
/// <param name="Snapshot">The run's latest stored state.</param>
/// <param name="Deltas">The committed writes after that snapshot, in order: the state is the snapshot with these applied.</param>
internal sealed record ClaimedRun(Guid Id, string Workflow, int Step, IReadOnlyList<PendingTask> Next, JsonObject Resume, JsonObject Snapshot,
    IReadOnlyList<KeyValuePair<string, JsonNode?>> Deltas)
{
    public JsonNode? ResumeFor(int step, string taskId) =>
        Resume["step"]?.GetValue<int>() == step && Resume["task"]?.GetValue<string>() == taskId ? Resume["value"] : null;

    /// <summary>The state at <see cref="Step"/>.</summary>
    public JsonObject StateIn(IWorkflow workflow) => RunStore.Rebuild(workflow, Snapshot, Deltas);
}

/// <summary>How a step's commit went.</summary>
internal enum StepCommit
{
    Committed,

    /// <summary>The step's row exists: another worker committed the step, or a cancellation fenced it.</summary>
    Taken,

    /// <summary>The run is not this worker's and running any more (checked by the steps that check it).</summary>
    NotRunning,
}

/// <summary>
/// Runs and their checkpoints in PostgreSQL, reached through PgBouncer in transaction mode: every
/// statement or batch stands alone (no session state, no prepared statements, no session locks).
/// A step's checkpoint is its tasks' writes (the delta) plus the next tasks, committed in one
/// statement; a row with the next tasks marks the step committed (a lone task's own row, or a
/// marker row with an empty task id after a step of several tasks); its primary key lets only one
/// writer commit a step. Every <c>compactEvery</c> steps the whole state is stored too, so
/// rebuilding a run reads at most that many deltas.
/// </summary>
public sealed class RunStore(NpgsqlDataSource pooled, string schema, int compactEvery = 50)
{
    private readonly string _s = SchemaMigrations.Quote(schema);

    // No foreign keys from writes and snapshots to runs: the engine writes them only in statements that
    // check the run, and a foreign key would cost a trigger on every step's commit. Pruning deletes all three.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE {0}.runs (
            id          uuid        PRIMARY KEY,
            workflow    text        NOT NULL,
            status      text        NOT NULL,
            step        int         NOT NULL DEFAULT 0,
            next_tasks  jsonb       NOT NULL,
            input       jsonb,
            output      jsonb,
            error       text,
            interrupt   jsonb,
            resume      jsonb       NOT NULL DEFAULT '{{}}',
            source_key  text        UNIQUE,
            parent_id   uuid,
            parent_step int,
            owner       text,
            lease_until timestamptz,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now())
            WITH (fillfactor = 80);
        CREATE INDEX runs_by_status ON {0}.runs (status, updated_at);
        CREATE INDEX runs_by_workflow ON {0}.runs (workflow, created_at DESC);
        CREATE TABLE {0}.writes (
            run_id       uuid        NOT NULL,
            step         int         NOT NULL,
            task_id      text        NOT NULL,
            node         text        NOT NULL,
            writes       jsonb       NOT NULL,
            next_tasks   jsonb,
            committed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, step, task_id));
        CREATE TABLE {0}.snapshots (
            run_id uuid  NOT NULL,
            step   int   NOT NULL,
            state  jsonb NOT NULL,
            PRIMARY KEY (run_id, step));
        """,
    ];

    public static Task<int> MigrateAsync(NpgsqlDataSource direct, string schema, CancellationToken cancellationToken) =>
        SchemaMigrations.ApplyAsync(direct, schema, Migrations, cancellationToken);

    public string Schema => schema;

    internal NpgsqlDataSource DataSource => pooled;

    /// <summary>
    /// Records a new run with its starting state and first tasks. With a source key (the event's
    /// id) there is at most one run per key: the existing run's id comes back instead. With a
    /// claim the run is created already held by that worker, which runs it at once.
    /// </summary>
    internal async Task<(Guid Id, bool Created)> CreateAsync(NewRun run, CancellationToken cancellationToken)
    {
        var (id, workflow, input, state, entry) = (run.Id, run.Workflow, run.Input, run.State, run.Entry);
        var (owner, lease) = run.ClaimedBy is var (worker, until) ? (worker, (TimeSpan?)until) : (null, null);
        // One statement: the run, its starting snapshot and first tasks exist together or not at all.
        // Only when the id or source key is taken already does a second round trip find that run.
        await using (var command = pooled.CreateCommand($"""
            WITH created AS (
                INSERT INTO {_s}.runs (id, workflow, status, next_tasks, input, source_key, parent_id, parent_step, owner, lease_until)
                VALUES ($1, $2, CASE WHEN $9::text IS NULL THEN '{RunStatus.Pending}' ELSE '{RunStatus.Running}' END, $3, $4, $5, $6, $7, $9, now() + $10)
                ON CONFLICT DO NOTHING RETURNING id),
            snapshot AS (INSERT INTO {_s}.snapshots (run_id, step, state) SELECT id, 0, $8 FROM created)
            INSERT INTO {_s}.writes (run_id, step, task_id, node, writes, next_tasks) SELECT id, 0, '', '', '[]', $3 FROM created
            """))
        {
            command.With(id, workflow, SqlParameters.Json(Tasks(entry)), SqlParameters.Json(input), SqlParameters.Text(run.SourceKey), run.Parent?.Run, run.Parent?.Step, SqlParameters.Json(state),
                SqlParameters.Text(owner), SqlParameters.Interval(lease));
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return (id, true);
            }
        }
        await using (var existing = pooled.CreateCommand($"SELECT id FROM {_s}.runs WHERE id = $1 OR source_key = $2 LIMIT 1"))
        {
            existing.With(id, SqlParameters.Text(run.SourceKey));
            return (await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) is Guid found
                ? (found, false)
                : throw new InvalidOperationException($"run {id} was neither created nor found");
        }
    }

    /// <summary>
    /// Takes the run for this worker (a lease), if it is pending or running and nobody else holds an
    /// unexpired lease, and rebuilds its state at its last committed step. Null when it is not to be run here.
    /// </summary>
    internal async Task<ClaimedRun?> ClaimAsync(Guid id, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var batch = pooled.CreateBatch();
        batch.BatchCommands.Add(Command($"""
            UPDATE {_s}.runs SET owner = $2, lease_until = now() + $3, status = '{RunStatus.Running}', updated_at = CASE WHEN status = '{RunStatus.Running}' THEN updated_at ELSE now() END
            WHERE id = $1 AND status IN ('{RunStatus.Pending}', '{RunStatus.Running}') AND (owner IS NULL OR owner = $2 OR lease_until < now())
            RETURNING workflow, resume::text
            """, id, owner, lease));
        batch.BatchCommands.Add(Command($"SELECT step, next_tasks::text FROM {_s}.writes WHERE run_id = $1 AND next_tasks IS NOT NULL ORDER BY step DESC LIMIT 1", id));
        // The state comes in the same round trip.
        AddStateQueries(batch, id, int.MaxValue);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var (workflow, resume) = (reader.GetString(0), reader.GetString(1));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"run {id} has no committed step");
        }
        var (step, next) = (reader.GetInt32(0), ParseTasks(JsonNode.Parse(reader.GetString(1))));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var (snapshot, deltas) = await ReadStateAsync(reader, id, cancellationToken).ConfigureAwait(false);
        return new ClaimedRun(id, workflow, step, next, (JsonObject)JsonNode.Parse(resume)!, snapshot, deltas);
    }

    /// <summary>The latest snapshot at or before <paramref name="upTo"/>, then the committed writes after it up to there, in order.</summary>
    private void AddStateQueries(NpgsqlBatch batch, Guid id, int upTo)
    {
        batch.BatchCommands.Add(Command($"SELECT state::text FROM {_s}.snapshots WHERE run_id = $1 AND step <= $2 ORDER BY step DESC LIMIT 1", id, upTo));
        batch.BatchCommands.Add(Command($"""
            SELECT w.writes::text FROM {_s}.writes w
            WHERE w.run_id = $1 AND w.step <= $2 AND w.step > (SELECT coalesce(max(step), 0) FROM {_s}.snapshots WHERE run_id = $1 AND step <= $2)
              AND w.task_id <> '' AND EXISTS (SELECT 1 FROM {_s}.writes m WHERE m.run_id = w.run_id AND m.step = w.step AND m.next_tasks IS NOT NULL)
            ORDER BY w.step, w.task_id
            """, id, upTo));
    }

    private static async Task<(JsonObject Snapshot, List<KeyValuePair<string, JsonNode?>> Deltas)> ReadStateAsync(NpgsqlDataReader reader, Guid id, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"run {id} has no snapshot at or before that step");
        }
        var snapshot = (JsonObject)JsonNode.Parse(reader.GetString(0))!;
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var deltas = new List<KeyValuePair<string, JsonNode?>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deltas.AddRange(ParseWrites(reader.GetString(0)));
        }
        return (snapshot, deltas);
    }

    /// <summary>The state after <paramref name="step"/>: the nearest snapshot at or before it, then the writes of later steps in order.</summary>
    public async Task<JsonObject> StateAtAsync(Guid id, int step, IWorkflow workflow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        await using var batch = pooled.CreateBatch();
        AddStateQueries(batch, id, step);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var (state, deltas) = await ReadStateAsync(reader, id, cancellationToken).ConfigureAwait(false);
        return Rebuild(workflow, state, deltas);
    }

    /// <summary>A snapshot with the writes committed after it applied in order.</summary>
    internal static JsonObject Rebuild(IWorkflow workflow, JsonObject snapshot, IReadOnlyList<KeyValuePair<string, JsonNode?>> deltas) =>
        deltas.Count == 0 ? snapshot : workflow.Apply(snapshot, deltas);

    /// <summary>Writes of tasks of <paramref name="step"/> that completed in an earlier attempt of the step (reused, never re-run).</summary>
    internal async Task<Dictionary<string, IReadOnlyList<KeyValuePair<string, JsonNode?>>>> PendingWritesAsync(Guid id, int step, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"SELECT task_id, writes::text FROM {_s}.writes WHERE run_id = $1 AND step = $2 AND task_id <> ''");
        command.With(id, step);
        var found = new Dictionary<string, IReadOnlyList<KeyValuePair<string, JsonNode?>>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found[reader.GetString(0)] = ParseWrites(reader.GetString(1));
        }
        return found;
    }

    /// <summary>
    /// Records a finished task of a step with several tasks: in the node's own transaction when it
    /// has one (then committed, or rolled back). False when the task's row exists: another worker
    /// that also ran this step saved it first, and its row is the task's result.
    /// </summary>
    internal async Task<bool> SaveTaskAsync(Guid id, int step, PendingTask task, IReadOnlyList<KeyValuePair<string, JsonNode?>> writes, NpgsqlTransaction? transaction,
        CancellationToken cancellationToken)
    {
        var sql = $"INSERT INTO {_s}.writes (run_id, step, task_id, node, writes) VALUES ($1, $2, $3, $4, $5)";
        await using var command = transaction is null ? pooled.CreateCommand(sql) : new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.With(id, step, task.Id, task.Node, SqlParameters.Json(WritesJson(writes)));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            if (transaction is not null)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Commits a step in one statement: the row marking it committed with the next tasks (the lone
    /// task's own, with its writes, when the step had one task), a snapshot every so many steps, or,
    /// when nothing comes next, the run completed with its final state as output (no snapshot then:
    /// the output is that state). Unless <see cref="StepCommit.Committed"/>, nothing is committed.
    /// </summary>
    internal async Task<StepCommit> CommitStepAsync(Guid id, string owner, int step, (PendingTask Task, IReadOnlyList<KeyValuePair<string, JsonNode?>> Writes)? lone,
        IReadOnlyList<PendingTask> next, JsonObject state, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        // One statement, one round trip, one commit. The primary key decides between writers of a
        // step: a second worker that took over the run, or the fence a cancellation puts where this
        // step's row would go. So the common step is a plain insert that touches no other table (looking
        // up the run in the same statement cost PostgreSQL 15 % more per step); snapshots and the last
        // step, which change more, also check that the run is still this worker's and running. The run's row
        // changes only when the run ends.
        const string Marker = "(run_id, step, task_id, node, writes, next_tasks)";
        const string MarkerValues = "$2, coalesce($5, ''), coalesce($6, ''), coalesce($7, '[]'), $3";
        var parameters = new List<object?>
        {
            id, step, SqlParameters.Json(Tasks(next)), owner, SqlParameters.Text(lone?.Task.Id), SqlParameters.Text(lone?.Task.Node),
                SqlParameters.Json(lone is { } task ? WritesJson(task.Writes) : null),
        };
        string sql;
        if (next.Count == 0)
        {
            parameters.Add(SqlParameters.Json(state));
            sql = $"""
                WITH finished AS (
                    UPDATE {_s}.runs SET step = $2, next_tasks = $3, status = '{RunStatus.Completed}', output = $8, owner = NULL, lease_until = NULL, updated_at = now()
                    WHERE id = $1 AND owner = $4 AND status = '{RunStatus.Running}' RETURNING id)
                INSERT INTO {_s}.writes {Marker} SELECT id, {MarkerValues} FROM finished
                """;
        }
        else if (step % compactEvery == 0)
        {
            parameters.Add(SqlParameters.Json(state));
            sql = $"""
                WITH mine AS (SELECT id FROM {_s}.runs WHERE id = $1 AND owner = $4 AND status = '{RunStatus.Running}'),
                snapshot AS (INSERT INTO {_s}.snapshots (run_id, step, state) SELECT id, $2, $8 FROM mine)
                INSERT INTO {_s}.writes {Marker} SELECT id, {MarkerValues} FROM mine
                """;
        }
        else
        {
            sql = $"INSERT INTO {_s}.writes {Marker} VALUES ($1, {MarkerValues})"; // $4, the owner, unused
        }
        await using var command = transaction is null ? pooled.CreateCommand(sql) : new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.With([.. parameters]);
        StepCommit outcome;
        try
        {
            outcome = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? StepCommit.Committed : StepCommit.NotRunning;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            outcome = StepCommit.Taken;
        }
        if (transaction is not null)
        {
            if (outcome == StepCommit.Committed)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        return outcome;
    }


    /// <summary>
    /// Parks the run for a person; the step's finished tasks stay recorded and are reused on resume.
    /// False when the run is no longer this worker's and running (cancelled meanwhile, or taken over).
    /// </summary>
    internal async Task<bool> InterruptAsync(Guid id, string owner, int step, string taskId, JsonNode? payload, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"""
            UPDATE {_s}.runs SET status = '{RunStatus.Interrupted}', interrupt = $3, owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = $1 AND owner = $2 AND status = '{RunStatus.Running}'
            """);
        command.With(id, owner, SqlParameters.Json(new JsonObject { ["task"] = taskId, ["step"] = step, ["payload"] = payload?.DeepClone() }));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Records the run failed; false when it is no longer this worker's and running.</summary>
    internal async Task<bool> FailAsync(Guid id, string owner, string error, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"""
            UPDATE {_s}.runs SET status = '{RunStatus.Failed}', error = $3, owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = $1 AND owner = $2 AND status = '{RunStatus.Running}'
            """);
        command.With(id, owner, error);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Extends this worker's lease; false when the run is not its to run any more (cancelled, or taken over).</summary>
    internal async Task<bool> RenewAsync(Guid id, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"UPDATE {_s}.runs SET lease_until = now() + $3 WHERE id = $1 AND owner = $2 AND status = '{RunStatus.Running}'");
        command.With(id, owner, lease);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Gives the run back (a worker shutting down): another may claim it at once.</summary>
    internal async Task ReleaseAsync(Guid id, string owner, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"UPDATE {_s}.runs SET owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2");
        command.With(id, owner);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resumes an interrupted run with a person's value for the task that asked; false when it is not interrupted.</summary>
    public async Task<bool> ResumeAsync(Guid id, JsonNode? value, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"""
            UPDATE {_s}.runs SET status = '{RunStatus.Pending}',
                resume = jsonb_build_object('step', (interrupt->>'step')::int, 'task', interrupt->>'task', 'value', $2::jsonb), interrupt = NULL, updated_at = now()
            WHERE id = $1 AND status = '{RunStatus.Interrupted}'
            """);
        command.With(id, SqlParameters.Json(value ?? JsonValue.Create(true)));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Cancels a run that has not ended; its worker stops at the end of the step it is in.</summary>
    public async Task<bool> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        await using (var command = pooled.CreateCommand($"""
            UPDATE {_s}.runs SET status = '{RunStatus.Cancelled}', owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = $1 AND status IN ('{RunStatus.Pending}', '{RunStatus.Running}', '{RunStatus.Interrupted}')
            """))
        {
            command.With(id);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }
        // The fence: the row the run's next step would write (a lone task's id, or '' for several
        // tasks), so a worker still running it fails that step's commit on the primary key and stops.
        // When the worker commits that step first, the fence goes on the step after.
        await using var fence = pooled.CreateCommand($"""
            INSERT INTO {_s}.writes (run_id, step, task_id, node, writes)
            SELECT run_id, step + 1, CASE WHEN jsonb_array_length(next_tasks) = 1 THEN next_tasks->0->>'id' ELSE '' END, '', '[]'
            FROM {_s}.writes WHERE run_id = $1 AND next_tasks IS NOT NULL ORDER BY step DESC LIMIT 1
            ON CONFLICT DO NOTHING
            """);
        fence.With(id);
        // Zero rows: a step committed between reading the last step and the insert; fence the one
        // after it. (Were a worker to outpace every attempt, its lease heartbeat still stops it.)
        var fenced = false;
        for (var attempt = 0; attempt < 100 && !fenced; attempt++)
        {
            fenced = await fence.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        return true;
    }

    /// <summary>Runs that should be running but whose worker is gone (lease expired), oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> OrphansAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"""
            SELECT id FROM {_s}.runs WHERE status IN ('{RunStatus.Pending}', '{RunStatus.Running}') AND (lease_until IS NULL OR lease_until < now())
            ORDER BY updated_at LIMIT $1
            """);
        command.With(limit);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    public async Task<RunView?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var found = await ListAsync(new RunQuery { Id = id, Limit = 1 }, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<RunView>> ListAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = pooled.CreateCommand($"""
            SELECT id, workflow, status,
                   (SELECT w.step FROM {_s}.writes w WHERE w.run_id = r.id AND w.next_tasks IS NOT NULL ORDER BY w.step DESC LIMIT 1),
                   input::text, output::text, error, interrupt::text, source_key, parent_id, parent_step, created_at, updated_at
            FROM {_s}.runs r
            WHERE ($1::uuid IS NULL OR id = $1) AND ($2::text IS NULL OR workflow = $2) AND ($3::text IS NULL OR status = $3)
              AND ($4::timestamptz IS NULL OR created_at < $4)
            ORDER BY created_at DESC, id LIMIT $5
            """);
        command.With(query.Id, query.Workflow, query.Status, query.Before?.UtcDateTime, Math.Clamp(query.Limit, 1, 1000));
        var runs = new List<RunView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            JsonNode? Node(int i) => reader.IsDBNull(i) ? null : JsonNode.Parse(reader.GetString(i));
            runs.Add(new RunView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), Node(4), Node(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), Node(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetGuid(9), reader.IsDBNull(10) ? null : reader.GetInt32(10),
                Utc(reader.GetDateTime(11)), Utc(reader.GetDateTime(12))));
        }
        return runs;
    }

    /// <summary>The run's committed steps with each task's writes, oldest first.</summary>
    public async Task<IReadOnlyList<StepView>> StepsAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"""
            SELECT m.step, m.committed_at, m.next_tasks::text, w.task_id, w.node, w.writes::text
            FROM {_s}.writes m LEFT JOIN {_s}.writes w ON w.run_id = m.run_id AND w.step = m.step AND w.task_id <> ''
            WHERE m.run_id = $1 AND m.next_tasks IS NOT NULL ORDER BY m.step, w.task_id
            """);
        command.With(id);
        var steps = new List<StepView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var step = reader.GetInt32(0);
            if (steps.Count == 0 || steps[^1].Step != step)
            {
                steps.Add(new StepView(step, Utc(reader.GetDateTime(1)), new List<TaskWrites>(), JsonNode.Parse(reader.GetString(2))));
            }
            if (!reader.IsDBNull(3))
            {
                ((List<TaskWrites>)steps[^1].Tasks).Add(new TaskWrites(reader.GetString(3), reader.GetString(4), JsonNode.Parse(reader.GetString(5))));
            }
        }
        return steps;
    }

    /// <summary>The next tasks recorded at a committed step (to start again from it).</summary>
    internal async Task<IReadOnlyList<PendingTask>?> NextTasksAtAsync(Guid id, int step, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"SELECT next_tasks::text FROM {_s}.writes WHERE run_id = $1 AND step = $2 AND next_tasks IS NOT NULL");
        command.With(id, step);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? ParseTasks(JsonNode.Parse(json)) : null;
    }

    /// <summary>Bytes the run's checkpoints take in the tables (writes and markers, snapshots), as PostgreSQL stores the rows.</summary>
    public async Task<long> StoredBytesAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = pooled.CreateCommand($"""
            SELECT (SELECT coalesce(sum(pg_column_size(w.*)), 0) FROM {_s}.writes w WHERE run_id = $1)
                 + (SELECT coalesce(sum(pg_column_size(p.*)), 0) FROM {_s}.snapshots p WHERE run_id = $1)
            """);
        command.With(id);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes finished runs (completed, failed, cancelled) last changed before <paramref name="olderThan"/>, with their checkpoints, in batches.</summary>
    public async Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken cancellationToken, int batchSize = 500)
    {
        var total = 0;
        while (true)
        {
            await using var command = pooled.CreateCommand($"""
                WITH gone AS (
                    DELETE FROM {_s}.runs WHERE id IN (
                        SELECT id FROM {_s}.runs WHERE status IN ('{RunStatus.Completed}', '{RunStatus.Failed}', '{RunStatus.Cancelled}') AND updated_at < $1 LIMIT $2)
                    RETURNING id),
                writes AS (DELETE FROM {_s}.writes WHERE run_id IN (SELECT id FROM gone)),
                snapshots AS (DELETE FROM {_s}.snapshots WHERE run_id IN (SELECT id FROM gone))
                SELECT count(*) FROM gone
                """);
            command.With(olderThan.UtcDateTime, batchSize);
            var deleted = (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
        }
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static NpgsqlBatchCommand Command(string sql, params object?[] parameters) => new NpgsqlBatchCommand(sql).With(parameters);


    private static JsonArray Tasks(IReadOnlyList<PendingTask> tasks) =>
        [.. tasks.Select(t => (JsonNode)new JsonObject { ["id"] = t.Id, ["node"] = t.Node, ["input"] = t.Input?.DeepClone() })];

    internal static IReadOnlyList<PendingTask> ParseTasks(JsonNode? tasks) =>
        tasks is JsonArray array ? [.. array.Select(t => new PendingTask((string)t!["id"]!, (string)t["node"]!, t["input"]?.DeepClone()))] : [];

    /// <summary>A task's writes in order, as a JSON array of [channel, value] pairs (a field may be written twice).</summary>
    private static JsonArray WritesJson(IReadOnlyList<KeyValuePair<string, JsonNode?>> writes) =>
        [.. writes.Select(w => (JsonNode)new JsonArray(JsonValue.Create(w.Key), w.Value?.DeepClone()))];

    private static List<KeyValuePair<string, JsonNode?>> ParseWrites(string json) =>
        [.. JsonNode.Parse(json)!.AsArray().Select(w => new KeyValuePair<string, JsonNode?>((string)w![0]!, w[1]?.DeepClone()))];
}

/// <summary>Which runs to list.</summary>
public sealed record RunQuery
{
    public Guid? Id { get; init; }

    public string? Workflow { get; init; }

    public string? Status { get; init; }

    /// <summary>Only runs created before this (paging).</summary>
    public DateTimeOffset? Before { get; init; }

    public int Limit { get; init; } = 100;
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Helix.Remediation.Argo;
using Helix.Remediation.Configuration;
using Helix.Remediation.Git;
using Helix.Remediation.PullRequests;
using Helix.Remediation.Signals;
using Microsoft.Extensions.Options;

namespace Helix.Remediation.Decisions;

/// <summary>A decision, and when to look at the application again (waiting for persistence, or after an error).</summary>
internal sealed record Evaluation(Decision Decision, DateTimeOffset? RecheckAt);

/// <summary>
/// Decides about one application from its recorded signals and ArgoCD's view of it, applying the
/// guard rails in order; every decision is recorded with its reason and the signals behind it.
/// Only one replica decides about an application at a time (a lease in the decision log).
/// </summary>
internal sealed partial class Remediator(
    IOptionsMonitor<RemediationOptions> options,
    IOptions<GitOptions> git,
    IOptions<ArgoCdOptions> argoOptions,
    DecisionLog log,
    ArgoCdClient argo,
    RollbackRepository repository,
    IPullRequestHost host,
    RemediationMetrics metrics,
    TimeProvider time,
    ILogger<Remediator> logger)
{
    public const string Off = "off";
    public const string Waiting = "waiting";
    public const string Ignored = "ignored";
    public const string Skipped = "skipped";
    public const string DryRun = "dry-run";
    public const string Error = "error";

    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Busy = TimeSpan.FromSeconds(30);
    private readonly string _holder = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public async Task<Evaluation?> EvaluateAsync(string application, CancellationToken cancellationToken)
    {
        if (!await log.TryLeaseAsync(application, _holder, LeaseTime, cancellationToken).ConfigureAwait(false))
        {
            return new Evaluation(new Decision(application, time.GetUtcNow(), Waiting, "another replica is deciding about this application"), time.GetUtcNow() + Busy);
        }
        try
        {
            Evaluation evaluation;
            try
            {
                evaluation = await DecideAsync(application, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFailed(logger, application, e);
                var retry = options.CurrentValue.RetryAfter;
                evaluation = new Evaluation(new Decision(application, time.GetUtcNow(), Error,
                    $"{e.GetType().Name}: {e.Message} (trying again in {Format(retry)})"), time.GetUtcNow() + retry);
            }
            var id = await log.RecordAsync(evaluation.Decision, cancellationToken).ConfigureAwait(false);
            metrics.Decided(evaluation.Decision.Outcome);
            LogDecided(logger, application, evaluation.Decision.Outcome, evaluation.Decision.Reason);
            return evaluation with { Decision = evaluation.Decision with { Id = id } };
        }
        finally
        {
            await log.ReleaseAsync(application, _holder, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<Evaluation> DecideAsync(string application, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        Evaluation Say(string outcome, string reason, IReadOnlyList<Signal>? signals = null, DateTimeOffset? recheck = null, string? healthy = null, string? bad = null) =>
            new(new Decision(application, now, outcome, reason, healthy, bad, Signals: signals?.Select(s => s.Id).ToList()), recheck);

        if (o.Mode == RemediationMode.Off)
        {
            return Say(Off, "the kill switch is on (Remediation:Mode is Off): signals are recorded, nothing is decided");
        }
        var app = await argo.GetAsync(application, cancellationToken).ConfigureAwait(false);
        if (app is null)
        {
            return Say(Skipped, $"ArgoCD has no application {application} that this service's account may read");
        }
        if (!app.AutoRollback)
        {
            return Say(Skipped, $"the application is annotated {ArgoApplication.OptOutAnnotation}: \"false\"");
        }
        if (app.Syncing)
        {
            return Say(Waiting, "a sync is running; deciding after it ends", recheck: now + Busy);
        }
        if (app.LastSyncAt is not { } lastSync)
        {
            return Say(Skipped, "ArgoCD's history of the application is empty: no sync to blame");
        }

        var recorded = await log.ActiveSignalsAsync(application, lastSync, lastSync + o.SignalWindow, cancellationToken).ConfigureAwait(false);
        // ArgoCD's own signals stand only while ArgoCD still says so.
        var signals = recorded.Where(s => s.Source != ArgoNotice.Source || ArgoNotice.TriggerOf(s) switch
        {
            ArgoNotice.HealthDegraded => app.Health == "Degraded",
            ArgoNotice.SyncFailed => app.SyncFailed,
            _ => false,
        }).ToList();
        if (signals.Count == 0)
        {
            return Say(Ignored, $"no unresolved signal began within {Format(o.SignalWindow)} after the last sync ({lastSync:u}); later trouble is not that sync's");
        }
        var oldest = signals.Min(s => s.ObservedAt);
        if (signals.Count < o.MinSignals && now - oldest < o.PersistFor)
        {
            return Say(Waiting, $"{signals.Count} of {o.MinSignals} signals, the oldest for {Format(now - oldest)} of {Format(o.PersistFor)}", signals, oldest + o.PersistFor);
        }
        if (app.BadRange() is not var (healthy, bad))
        {
            return Say(Skipped, "ArgoCD's history holds no earlier revision to go back to", signals);
        }
        if (await log.LastActedAsync(application, cancellationToken).ConfigureAwait(false) is { } last && now - last.DecidedAt < o.Cooldown)
        {
            return Say(Skipped, $"cooldown: a rollback ({last.PullRequestUrl}) was opened {Format(now - last.DecidedAt)} ago, less than {Format(o.Cooldown)}", signals, healthy: healthy, bad: bad);
        }
        var branchPrefix = $"{RollbackRepository.BranchPrefix}{application}/";
        if (await host.FindOpenAsync(branchPrefix, git.Value.Branch, cancellationToken).ConfigureAwait(false) is { } open)
        {
            return Say(Skipped, $"rollback pull request #{open.Number} ({open.Url}) is still open", signals, healthy: healthy, bad: bad);
        }

        var request = new RevertRequest(application, healthy, bad, app.Paths, o.AllowForeignPaths, DryRun: o.Mode == RemediationMode.DryRun);
        // libgit2 blocks; the working clone is the repository's own lock.
        var outcome = await Task.Run(() => repository.Revert(request), cancellationToken).ConfigureAwait(false);
        string? branch = null;
        IReadOnlyList<string> reverted = [];
        switch (outcome)
        {
            case RevertOutcome.Prepared prepared:
                return Say(DryRun, $"dry run: would push {prepared.Branch} reverting {Commits(prepared.Reverted)} and open a pull request", signals, healthy: healthy, bad: bad);
            case RevertOutcome.Conflict conflict:
                return Say("conflict", $"reverting {Short(conflict.Commit)} conflicts in {string.Join(", ", conflict.Paths)}; nothing was pushed, a person resolves it", signals,
                    healthy: healthy, bad: bad);
            case RevertOutcome.ForeignPaths foreign:
                return Say(Skipped, $"the range also changes {string.Join(", ", foreign.Paths)}, outside {string.Join(", ", app.Paths)}; set Remediation:AllowForeignPaths to revert anyway",
                    signals, healthy: healthy, bad: bad);
            case RevertOutcome.NotOnBranch notOnBranch:
                return Say(Skipped, notOnBranch.Reason, signals, healthy: healthy, bad: bad);
            case RevertOutcome.NothingToRevert:
                return Say(Skipped, $"nothing to revert between {Short(healthy)} and {Short(bad)} on {git.Value.Branch}", signals, healthy: healthy, bad: bad);
            case RevertOutcome.RollbackInRange rollback:
                return Say(Skipped, $"{Short(rollback.Commit)} in the range is a Helix rollback; rolling it back automatically could loop, a person decides", signals, healthy: healthy, bad: bad);
            case RevertOutcome.Pushed pushed:
                branch = pushed.Branch;
                reverted = pushed.Reverted;
                break;
            case RevertOutcome.AlreadyPushed already:
                branch = already.Branch;
                break;
        }

        var pull = await host.OpenAsync(new RollbackPullRequest(branch!, git.Value.Branch,
            $"{RollbackRepository.TitlePrefix}{application} to {Short(healthy)}", Body(app, healthy, bad, reverted, signals), o.Labels), cancellationToken).ConfigureAwait(false);
        var reason = new StringBuilder(pull.Created ? $"opened #{pull.Number}" : $"found #{pull.Number} open")
            .Append(CultureInfo.InvariantCulture, $" reverting {Short(healthy)}..{Short(bad)}");
        if (o.AutoMerge)
        {
            var refused = await host.EnableAutoMergeAsync(pull, o.MergeMethod, cancellationToken).ConfigureAwait(false);
            reason.Append(refused is null ? "; auto-merge enabled" : $"; auto-merge not enabled: {refused}");
        }
        return new Evaluation(new Decision(application, now, DecisionLog.Acted, reason.ToString(), healthy, bad, branch, pull.Url.ToString(), signals.Select(s => s.Id).ToList()), null);
    }

    private string Body(ArgoApplication app, string healthy, string bad, IReadOnlyList<string> reverted, IReadOnlyList<Signal> signals)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"`{app.Name}` went wrong after ArgoCD synced `{Short(bad)}`: health **{app.Health}**, sync **{app.SyncStatus}**");
        text.Append(app.SyncFailed ? $", last sync operation **{app.OperationPhase}**.\n\n" : ".\n\n");
        text.Append(CultureInfo.InvariantCulture, $"This pull request reverts `{Short(healthy)}..{Short(bad)}`, newest first, so Git goes back to what ran healthy at `{Short(healthy)}`.\n\n");
        if (reverted.Count > 0)
        {
            text.Append("Reverted commits:\n");
            foreach (var sha in reverted)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {sha}\n");
            }
            text.Append('\n');
        }
        text.Append("Signals:\n");
        foreach (var signal in signals)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {Describe(signal)} since {signal.ObservedAt:u}\n");
        }
        if (argoOptions.Value.PublicUrl is { } argoUrl)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nArgoCD: {new Uri(argoUrl, $"applications/{Uri.EscapeDataString(app.Name)}")}\n");
        }
        text.Append("\nOpened by the Helix Remediation Service. It will not revert this rollback automatically; merge it, or close it and fix forward.\n");
        return text.ToString();
    }

    private static string Describe(Signal signal)
    {
        if (signal.Source == ArgoNotice.Source)
        {
            return $"ArgoCD {ArgoNotice.TriggerOf(signal)}";
        }
        var labels = signal.Payload.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
        var name = labels.ValueKind == JsonValueKind.Object && labels.TryGetProperty("alertname", out var n) ? n.GetString() : "alert";
        var summary = signal.Payload.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object && a.TryGetProperty("summary", out var s) ? $": {s.GetString()}" : "";
        var link = signal.Payload.TryGetProperty("generatorURL", out var g) && g.GetString() is { Length: > 0 } url ? $" ([source]({url}))" : "";
        return $"alert `{name}`{summary}{link}";
    }

    private static string Commits(IReadOnlyList<string> shas) => shas.Count == 1 ? "1 commit" : $"{shas.Count} commits";

    private static string Short(string sha) => sha[..Math.Min(12, sha.Length)];

    internal static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#}h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#}m" : $"{span.TotalSeconds:0}s";

    [LoggerMessage(Level = LogLevel.Information, Message = "Decided about {Application}: {Outcome}, {Reason}")]
    private static partial void LogDecided(ILogger logger, string application, string outcome, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deciding about {Application} failed")]
    private static partial void LogFailed(ILogger logger, string application, Exception exception);
}

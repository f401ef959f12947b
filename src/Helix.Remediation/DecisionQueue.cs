using System.Threading.Channels;
using Helix.Remediation.Configuration;
using Helix.Remediation.Decisions;
using Microsoft.Extensions.Options;

namespace Helix.Remediation;

/// <summary>
/// Applications waiting for a decision. A burst of signals about one application is one decision
/// (an application already waiting is not queued twice); later looks (a signal still has to
/// persist, a failed attempt) are timers. Decisions run one at a time: they share one working clone.
/// </summary>
internal sealed partial class DecisionQueue(
    Remediator remediator,
    DecisionLog log,
    IOptionsMonitor<RemediationOptions> options,
    TimeProvider time,
    ILogger<DecisionQueue> logger) : BackgroundService
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ITimer> _rechecks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Queues the application unless it is queued already.</summary>
    public void Enqueue(string application)
    {
        lock (_gate)
        {
            if (!_queued.Add(application))
            {
                return;
            }
        }
        _channel.Writer.TryWrite(application);
    }

    private void RecheckAt(string application, DateTimeOffset at)
    {
        var due = at - time.GetUtcNow();
        lock (_gate)
        {
            if (_rechecks.Remove(application, out var earlier))
            {
                earlier.Dispose();
            }
            _rechecks[application] = time.CreateTimer(_ =>
            {
                lock (_gate)
                {
                    _rechecks.Remove(application);
                }
                Enqueue(application);
            }, null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Timers do not survive a restart: look again at what had fresh signals.
        try
        {
            var since = time.GetUtcNow() - options.CurrentValue.SignalWindow;
            foreach (var application in await log.ApplicationsWithSignalsSinceAsync(since, stoppingToken).ConfigureAwait(false))
            {
                Enqueue(application);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRecoveryFailed(logger, e);
        }

        await foreach (var application in _channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            lock (_gate)
            {
                _queued.Remove(application);
            }
            try
            {
                if (await remediator.EvaluateAsync(application, stoppingToken).ConfigureAwait(false) is { RecheckAt: { } at })
                {
                    RecheckAt(application, at);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not even the decision could be recorded (the database is down): look again later.
                LogUnrecorded(logger, application, e);
                RecheckAt(application, time.GetUtcNow() + options.CurrentValue.RetryAfter);
            }
        }
    }

    public override void Dispose()
    {
        lock (_gate)
        {
            foreach (var timer in _rechecks.Values)
            {
                timer.Dispose();
            }
            _rechecks.Clear();
        }
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list applications with recent signals at start-up")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The decision about {Application} could not be recorded; trying again later")]
    private static partial void LogUnrecorded(ILogger logger, string application, Exception exception);
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Helix.Hosting;

/// <summary>
/// Settings an operator may change while a service runs: a JSON file (in the cluster, a mounted
/// ConfigMap) read over every other source, and options that follow it.
/// </summary>
public static class RuntimeSettings
{
    /// <summary>The configuration key naming the file (<c>Helix__SettingsFile</c> in the environment).</summary>
    public const string FileKey = "Helix:SettingsFile";

    /// <summary>How often the file is looked at: kubelet replaces a ConfigMap's files by swapping a symlink, which file events do not report.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Adds the file named by <see cref="FileKey"/>, if any, as the last configuration source, so
    /// its values win. Call it after every other source is in place. The file must exist: a
    /// settings file named but missing is a broken mount, not an empty one.
    /// </summary>
    public static TBuilder AddRuntimeSettingsFile<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration[FileKey] is not { Length: > 0 } path)
        {
            return builder;
        }
        var full = Path.GetFullPath(path);
        // Active polling (the watcher's 4 s timer) because file events miss the symlink swap; no
        // exclusion filter because the ConfigMap's real files live under dot-prefixed folders.
        var files = new PhysicalFileProvider(Path.GetDirectoryName(full)!, ExclusionFilters.None)
        {
            UsePollingFileWatcher = true,
            UseActivePolling = true,
        };
        builder.Configuration.AddJsonFile(files, Path.GetFileName(full), optional: false, reloadOnChange: true);
        builder.Services.AddHostedService(_ => new SettingsFiles(files));
        return builder;
    }

    /// <summary>
    /// Options of this type follow configuration changes at runtime. A change that does not bind or
    /// validate is logged and ignored: the last valid options stay in force.
    /// </summary>
    public static OptionsBuilder<TOptions> ReloadOnChange<TOptions>(this OptionsBuilder<TOptions> builder)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IOptionsMonitor<TOptions>, LastValidOptionsMonitor<TOptions>>();
        return builder;
    }

    /// <summary>Ties the polling file provider (and its timer) to the host: the container disposes what its factory made.</summary>
    private sealed class SettingsFiles(PhysicalFileProvider files) : IHostedService, IDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => files.Dispose();
    }
}

/// <summary>
/// The framework's monitor drops its cached value on a change and then throws on every read
/// while the configuration is invalid; this one swaps in a new value only once it validates.
/// </summary>
internal sealed partial class LastValidOptionsMonitor<TOptions> : IOptionsMonitor<TOptions>, IDisposable
    where TOptions : class
{
    private readonly IOptionsFactory<TOptions> _factory;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private readonly List<Action<TOptions, string?>> _listeners = [];
    private TOptions? _current;

    public LastValidOptionsMonitor(IOptionsFactory<TOptions> factory, IConfiguration configuration, ILogger<LastValidOptionsMonitor<TOptions>> logger)
    {
        _factory = factory;
        _logger = logger;
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    public TOptions CurrentValue => Get(Options.DefaultName);

    /// <summary>The first read builds the options and throws if they are invalid: that is start-up.</summary>
    public TOptions Get(string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return _factory.Create(name);
        }
        lock (_gate)
        {
            return _current ??= _factory.Create(Options.DefaultName);
        }
    }

    public IDisposable OnChange(Action<TOptions, string?> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }
        return new Subscription(this, listener);
    }

    public void Dispose() => _subscription.Dispose();

    private void Reload()
    {
        TOptions next;
        try
        {
            next = _factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            LogRejected(typeof(TOptions).Name, string.Join("; ", ex.Failures));
            return;
        }
        Action<TOptions, string?>[] listeners;
        lock (_gate)
        {
            _current = next;
            listeners = [.. _listeners];
        }
        LogReloaded(typeof(TOptions).Name);
        foreach (var listener in listeners)
        {
            listener(next, Options.DefaultName);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Options} reloaded from changed configuration")]
    private partial void LogReloaded(string options);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Options} not reloaded, the configuration in force is kept: {Failures}")]
    private partial void LogRejected(string options, string failures);

    private sealed class Subscription(LastValidOptionsMonitor<TOptions> monitor, Action<TOptions, string?> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (monitor._gate)
            {
                monitor._listeners.Remove(listener);
            }
        }
    }
}

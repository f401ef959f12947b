using System.ComponentModel.DataAnnotations;
using Helix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Helix.Hosting.Tests;

/// <summary>
/// The runtime settings file as the cluster delivers it: a ConfigMap volume, whose files kubelet
/// replaces by writing a new timestamped folder and swapping the <c>..data</c> symlink (its
/// atomic writer), never by writing the file in place.
/// </summary>
public sealed class RuntimeSettingsTests : IDisposable
{
    internal enum Switch
    {
        On,
        Off,
    }

    internal sealed record GuardOptions
    {
        public Switch Mode { get; init; } = Switch.On;

        [Range(1, 100)]
        public int Budget { get; init; } = 10;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ConfigMapVolume _volume = new();
    private readonly CapturedLogs _logs = new();

    private async Task<TestService> Start(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []) { [RuntimeSettings.FileKey] = _volume.File };
        return await TestService.Build(all, configure: b =>
        {
            b.Logging.AddProvider(_logs);
            b.AddRuntimeSettingsFile();
            b.Services.AddValidatedOptions<GuardOptions>("Guard").ReloadOnChange();
        }).StartAsync();
    }

    private static Task<GuardOptions> NextChange(IOptionsMonitor<GuardOptions> monitor)
    {
        var changed = new TaskCompletionSource<GuardOptions>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = monitor.OnChange((o, _) => changed.TrySetResult(o));
        return changed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct).ContinueWith(t => { subscription?.Dispose(); return t.Result; }, Ct, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    [Fact]
    public async Task ASwappedConfigMap_AppliesWithoutARestart()
    {
        _volume.Write("""{"Guard":{"Mode":"On","Budget":5}}""");
        await using var service = await Start();
        var monitor = service.App.Services.GetRequiredService<IOptionsMonitor<GuardOptions>>();
        Assert.Equal(Switch.On, monitor.CurrentValue.Mode);

        var change = NextChange(monitor);
        _volume.Write("""{"Guard":{"Mode":"Off","Budget":5}}""");

        Assert.Equal(Switch.Off, (await change).Mode);
        Assert.Equal(Switch.Off, monitor.CurrentValue.Mode);
        Assert.Contains(_logs.Lines, l => l.Contains("GuardOptions reloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnInvalidChange_IsLoggedWithTheKey_AndTheLastValidOptionsStay()
    {
        _volume.Write("""{"Guard":{"Mode":"Off","Budget":5}}""");
        await using var service = await Start();
        var monitor = service.App.Services.GetRequiredService<IOptionsMonitor<GuardOptions>>();

        _volume.Write("""{"Guard":{"Mode":"On","Budget":0}}""");
        await Eventually.WaitAsync(() => _logs.Lines.Any(l => l.StartsWith("Error", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the refused change logged");
        var error = Assert.Single(_logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.Contains("'Guard:Budget'", error, StringComparison.Ordinal);
        Assert.Contains("configuration in force is kept", error, StringComparison.Ordinal);
        // Half of an invalid change is not applied either: the switch stays off.
        Assert.Equal(new GuardOptions { Mode = Switch.Off, Budget = 5 }, monitor.CurrentValue);

        var change = NextChange(monitor);
        _volume.Write("""{"Guard":{"Mode":"On","Budget":7}}""");
        Assert.Equal(new GuardOptions { Mode = Switch.On, Budget = 7 }, await change);
    }

    [Fact]
    public async Task TheFile_WinsOverTheEnvironment()
    {
        _volume.Write("""{"Guard":{"Mode":"Off"}}""");
        await using var service = await Start(new() { ["Guard:Mode"] = "On", ["Guard:Budget"] = "3" });
        var options = service.App.Services.GetRequiredService<IOptionsMonitor<GuardOptions>>().CurrentValue;
        Assert.Equal(new GuardOptions { Mode = Switch.Off, Budget = 3 }, options);
    }

    [Fact]
    public async Task AnInvalidFile_StopsStartUp_AndAMissingOneToo()
    {
        _volume.Write("""{"Guard":{"Budget":0}}""");
        var invalid = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await Start()).DisposeAsync());
        Assert.Contains("'Guard:Budget'", invalid.Message, StringComparison.Ordinal);

        var missing = Path.Combine(_volume.Root, "absent.json");
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            Task.FromResult(TestService.Build(new Dictionary<string, string?> { [RuntimeSettings.FileKey] = missing }, configure: b => b.AddRuntimeSettingsFile())));
        Assert.Contains("absent.json", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _volume.Dispose();

    /// <summary>A folder laid out as kubelet lays out a ConfigMap volume with one key, <c>settings.json</c>.</summary>
    private sealed class ConfigMapVolume : IDisposable
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helix-configmap-");
        private int _version;

        public string Root => _root.FullName;

        public string File => Path.Combine(Root, "settings.json");

        public void Write(string json)
        {
            var previous = _version == 0 ? null : Path.Combine(Root, $"..2026_11_30_{_version}");
            var next = $"..2026_11_30_{++_version}";
            Directory.CreateDirectory(Path.Combine(Root, next));
            System.IO.File.WriteAllText(Path.Combine(Root, next, "settings.json"), json);
            var data = Path.Combine(Root, "..data");
            var staged = Path.Combine(Root, "..data_tmp");
            System.IO.File.CreateSymbolicLink(staged, next);
            // rename(2) over the old link (File.Move refuses a link to a folder): readers see the old files or the new, never neither.
            using (var mv = System.Diagnostics.Process.Start("mv", ["-T", staged, data]))
            {
                mv.WaitForExit();
                Assert.Equal(0, mv.ExitCode);
            }
            if (!System.IO.File.Exists(File))
            {
                System.IO.File.CreateSymbolicLink(File, Path.Combine("..data", "settings.json"));
            }
            if (previous is not null)
            {
                Directory.Delete(previous, recursive: true);
            }
        }

        public void Dispose() => _root.Delete(recursive: true);
    }
}

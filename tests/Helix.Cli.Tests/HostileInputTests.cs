using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace Helix.Cli.Tests;

/// <summary>
/// Generated specs and trees: the reference spec, or a file of its rendered tree, with one value
/// replaced by something hostile (YAML 1.1 and 1.2 look-alikes, numbers where text belongs, deep
/// nesting, huge values, broken quoting, tags and aliases), a line cut, or bytes that are not
/// UTF-8. Whatever the input, <c>helix</c> answers with its exit codes (0, 1 findings, 2 a spec
/// error naming file:line:column) and never with a stack trace.
/// </summary>
public sealed partial class HostileInputTests : IDisposable
{
    private static readonly string[] LookAlikes =
    [
        "y", "no", "on", "Off", "0755", "1e3", "-1e-3", ".inf", "-.Inf", ".nan", "~", "null", "", "true", "0x1F", "1:20", "2026-11-30",
        "[]", "{}", "[1, 2]", "{a: 1}", "\"", "'", "\"unclosed", "a: b", "- x", "!!binary AAAA", "!!int 3", "*nowhere", "&anchor x",
        "%TAG", "@", "`", "|", ">", "#", "99999999999999999999999", "-1", "0", "3.5", "\"\\ud800\"", "\"\\u0000\"",
    ];

    private static readonly Gen<byte[]> Value = Gen.Frequency(
        (8, Gen.OneOf(LookAlikes).Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Int[1, 300].Select(n => Encoding.ASCII.GetBytes(new string('[', n) + new string(']', n)))),
        (1, Gen.Int[1, 200_000].Select(n => Encoding.ASCII.GetBytes(new string('x', n)))),
        (1, Gen.OneOf<byte[]>([0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0x00])),
        (1, Gen.String[0, 20].Select(Encoding.UTF8.GetBytes)));

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("helix-hostile-");

    private static string Spec { get; } = Locate();

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = HelixCommand.RunAsync(args, stdout, stderr, redirected: true).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The text with line <paramref name="line"/> edited: its value replaced, the line cut, or the bytes put in the middle of it.</summary>
    private static byte[] Edit(string[] lines, int line, byte[] value, int mode)
    {
        var before = string.Join('\n', lines.Take(line)) + (line > 0 ? "\n" : "");
        var after = "\n" + string.Join('\n', lines.Skip(line + 1)) + "\n";
        var target = lines[line];
        byte[] edited = mode switch
        {
            0 => [],
            1 => [.. Encoding.UTF8.GetBytes(target[..(target.Length / 2)]), .. value, .. Encoding.UTF8.GetBytes(target[(target.Length / 2)..])],
            _ => ValueOf().Match(target) is { Success: true } m
                ? [.. Encoding.UTF8.GetBytes(target[..m.Groups[2].Index]), .. value]
                : Encoding.UTF8.GetBytes(target),
        };
        return [.. Encoding.UTF8.GetBytes(before), .. edited, .. Encoding.UTF8.GetBytes(after)];
    }

    private static void NoStackTrace((int Exit, string Out, string Err) run, params int[] exits)
    {
        Assert.True(exits.Contains(run.Exit), $"exit {run.Exit}: {run.Err[..Math.Min(run.Err.Length, 2000)]}");
        var all = run.Out + run.Err;
        var trace = all.IndexOf("   at ", StringComparison.Ordinal) is var at and >= 0 ? at : all.IndexOf("Unhandled", StringComparison.Ordinal);
        Assert.True(trace < 0, $"a stack trace: {all[Math.Max(0, trace - 1500)..Math.Min(all.Length, trace + 1500)]}");
    }

    [Fact]
    public void AnyEditOfTheSpec_LoadsOrIsRefusedWithFileLineColumn_NeverAStackTrace()
    {
        var lines = File.ReadAllLines(Spec);
        var file = Path.Combine(_dir.FullName, "helix.yaml");
        Gen.Select(Gen.Int[0, lines.Length - 1], Value, Gen.Int[0, 5]).Sample((line, value, mode) =>
        {
            File.WriteAllBytes(file, Edit(lines, line, value, mode));
            var run = Run("order", "--spec", file);
            NoStackTrace(run, 0, 2);
            if (run.Exit == 2)
            {
                Assert.Matches($@"{Regex.Escape(file)}:\d+:\d+: ", run.Err);
            }
        }, iter: 400, threads: 1);
    }

    [Fact]
    public void AnyLoadableEditOfTheSpec_RendersAndVerifies_NeverAStackTrace()
    {
        var lines = File.ReadAllLines(Spec);
        var file = Path.Combine(_dir.FullName, "helix.yaml");
        var verified = 0;
        Gen.Select(Gen.Int[0, lines.Length - 1], Gen.OneOf(LookAlikes).Select(Encoding.UTF8.GetBytes)).Sample((line, value) =>
        {
            File.WriteAllBytes(file, Edit(lines, line, value, mode: 2));
            if (Run("order", "--spec", file).Exit == 0)
            {
                verified++;
                NoStackTrace(Run("verify", "--no-charts", "--spec", file), 0, 1);
            }
        }, iter: 60, threads: 1);
        Assert.True(verified > 0, "no generated edit loaded: the property was never checked");
    }

    [Fact]
    public void AnyEditOfTheRenderedTree_IsVerified_NeverAStackTrace()
    {
        Assert.Equal(0, Run("render", "--spec", Spec, "--out", _dir.FullName).Exit);
        var tree = Path.Combine(_dir.FullName, "gitops");
        var files = Directory.EnumerateFiles(tree, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var originals = files.ToDictionary(f => f, File.ReadAllBytes);
        Gen.Select(Gen.Int[0, files.Length - 1], Gen.Int[0, 10_000], Value, Gen.Int[0, 5]).Sample((index, lineSeed, value, mode) =>
        {
            var path = files[index];
            var lines = Encoding.UTF8.GetString(originals[path]).Split('\n');
            File.WriteAllBytes(path, Edit(lines, lineSeed % lines.Length, value, mode));
            try
            {
                NoStackTrace(Run("verify", "--no-charts", "--spec", Spec, "--tree", tree), 0, 1);
            }
            finally
            {
                File.WriteAllBytes(path, originals[path]);
            }
        }, iter: 40, threads: 1);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    // key: value, or - key: value (the value is group 2).
    [GeneratedRegex(@"^(\s*(?:- )?[A-Za-z0-9_.\-/""]+:\s+)(\S.*)$")]
    private static partial Regex ValueOf();

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Helix.slnx")))
            {
                return Path.Combine(dir.FullName, "platform", "helix.yaml");
            }
        }
        throw new InvalidOperationException("the repository root (Helix.slnx) is not above the test binaries");
    }
}

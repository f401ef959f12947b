using System.Text.Json;
using Helix.Platform.Output;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>Text the writer emits is read back as the same text, by Helix's verifier and by Kubernetes (YAML 1.1).</summary>
public sealed class YamlWriterTests
{
    [Theory]
    // YAML 1.2 and 1.1 numbers, booleans, nulls and timestamps that are names here (a tenant called 1e3, a label value no).
    [InlineData("1e3")]
    [InlineData("1E3")]
    [InlineData("-1e-3")]
    [InlineData("y")]
    [InlineData("Y")]
    [InlineData("n")]
    [InlineData("no")]
    [InlineData("on")]
    [InlineData("Off")]
    [InlineData("yes")]
    [InlineData("true")]
    [InlineData("0755")]
    [InlineData("0o17")]
    [InlineData("0x1F")]
    [InlineData("0b101")]
    [InlineData("1_000")]
    [InlineData("1:20")]
    [InlineData(".inf")]
    [InlineData("-.Inf")]
    [InlineData(".nan")]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("2026-11-30")]
    [InlineData("1.")]
    [InlineData("+12")]
    [InlineData("007")]
    public void AScalarThatLooksTyped_IsWrittenQuoted_AndReadBackAsTheSameText(string text)
    {
        var yaml = YamlWriter.Write(new Dictionary<string, string> { ["name"] = text });
        using var reader = new StringReader(yaml);
        var (document, error) = Assert.Single(TreeVerifier.Documents(reader));
        Assert.Null(error);
        var name = document.GetProperty("name");
        Assert.True(name.ValueKind == JsonValueKind.String, $"{text} written as: {yaml}");
        Assert.Equal(text, name.GetString());
        Assert.Matches("^name: (\"|')", yaml);
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("helix-orchestrator")]
    [InlineData("v1.2.3")]
    [InlineData("250m")]
    public void APlainName_StaysPlain(string text) =>
        Assert.Equal($"name: {text}\n", YamlWriter.Write(new Dictionary<string, string> { ["name"] = text }));
}

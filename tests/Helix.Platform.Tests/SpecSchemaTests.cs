using System.Text.Json;
using Helix.Platform.Spec;

namespace Helix.Platform.Tests;

public sealed class SpecSchemaTests
{
    private static string SchemaPath => Path.Combine(Path.GetDirectoryName(ReferenceSpec.Path)!, "helix.schema.json");

    /// <summary>The committed schema equals the one generated from the records (after a change: <c>helix schema</c>).</summary>
    [Fact]
    public void CommittedSchema_IsCurrent()
    {
        Assert.True(File.Exists(SchemaPath), $"{SchemaPath} is missing: run 'helix schema'");
        Assert.Equal(File.ReadAllText(SchemaPath), SpecSchema.Generate());
    }

    [Fact]
    public void Schema_RequiresWhatTheLoaderRequires_AndRefusesUnknownKeys()
    {
        using var schema = JsonDocument.Parse(SpecSchema.Generate());
        var root = schema.RootElement;
        var required = root.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("name", required);
        Assert.Contains("nodePools", required);
        Assert.DoesNotContain("tenants", required);
        Assert.False(root.GetProperty("additionalProperties").GetBoolean());

        var auth = root.GetProperty("properties").GetProperty("routes").GetProperty("items").GetProperty("properties").GetProperty("auth");
        Assert.Equal(["sso", "public", "webhook"], auth.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Generate_IsByteIdenticalAcrossRuns() => Assert.Equal(SpecSchema.Generate(), SpecSchema.Generate());
}

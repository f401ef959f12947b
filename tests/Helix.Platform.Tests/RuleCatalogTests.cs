using System.Reflection;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>The rule catalogue says the truth: every rule id the code reports is in it once, under a promise of the seed, and nothing else is.</summary>
public sealed class RuleCatalogTests
{
    // Every "...Rule" constant of the compiler is a rule id a finding carries.
    private static readonly HashSet<string> RuleIds = [.. typeof(RuleCatalog).Assembly.GetTypes()
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        .Where(f => f.IsLiteral && f.FieldType == typeof(string) && (f.Name == "Rule" || f.Name.EndsWith("Rule", StringComparison.Ordinal)))
        .Select(f => (string)f.GetRawConstantValue()!)];

    [Fact]
    public void EveryRuleTheCodeReports_IsCatalogued_OnceAndUnderAPromise()
    {
        Assert.Equal(RuleIds.Order(StringComparer.Ordinal), RuleCatalog.Rules.Select(r => r.Id).Order(StringComparer.Ordinal));
        var promises = RuleCatalog.Promises.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(RuleCatalog.Rules, r => Assert.Contains(r.Promise, promises));
        Assert.All(RuleCatalog.Promises, p => Assert.Contains(RuleCatalog.Rules, r => r.Promise == p.Id)); // no promise without a rule
    }

    [Fact]
    public void EveryPromise_QuotesTheSeedLineItNames()
    {
        var seed = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(ReferenceSpec.Path)!, "..", "docs", "architecture", "master-architecture.md"));
        foreach (var promise in RuleCatalog.Promises)
        {
            var line = int.Parse(promise.Seed[..promise.Seed.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            var words = promise.Seed[(promise.Seed.IndexOf(':', StringComparison.Ordinal) + 2)..].Split(' ', ',', '.', ':').Where(w => w.Length > 3).Take(3);
            Assert.All(words, w => Assert.Contains(w.Replace("-", "", StringComparison.Ordinal), seed[line - 1].Replace("‑", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal),
                StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void EveryRule_HasATestThatBreaksIt()
    {
        // A test that makes one edit and expects the rule's finding says so with [Trait("breaks", "<rule id>")].
        var broken = typeof(RuleCatalogTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.CustomAttributes.Where(a => a.AttributeType.Name == "TraitAttribute"
                && a.ConstructorArguments is [{ Value: "breaks" }, { Value: string }]))
            .Select(a => (string)a.ConstructorArguments[1].Value!)
            .ToHashSet(StringComparer.Ordinal);

        var untested = RuleCatalog.Rules.Select(r => r.Id).Where(id => !broken.Contains(id)).ToList();
        var unknown = broken.Where(id => RuleCatalog.Rules.All(r => r.Id != id)).ToList();
        Assert.True(untested.Count == 0, $"rules without a breaking test: {string.Join(", ", untested)}");
        Assert.True(unknown.Count == 0, $"tests that break no catalogued rule: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void EveryPromise_ListsHowATreeBreaksIt_AndEveryRuleCatchesSomeBreach()
    {
        var rules = RuleCatalog.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(RuleCatalog.Breaches, b => Assert.Contains(b.Rule, rules));
        Assert.All(RuleCatalog.Promises, p => Assert.Contains(RuleCatalog.Breaches, b => b.Promise == p.Id));
        var caught = RuleCatalog.Breaches.Select(b => b.Rule).ToHashSet(StringComparer.Ordinal);
        Assert.True(rules.SetEquals(caught), $"rules no breach names: {string.Join(", ", rules.Except(caught))}");
    }
}

using System.CommandLine;
using System.Globalization;
using Helix.Platform.Spec;

namespace Helix.Cli.Commands;

/// <summary><c>helix onboard</c>: adds a tenant to the spec and renders it.</summary>
internal static class OnboardCommand
{
    public static Command Create(Cli cli)
    {
        var tenantName = new Argument<string>("tenant") { Description = "The tenant's name: its namespace, AppProject and Devtron environment" };
        var team = new Option<string>("--team") { Description = "The team that owns the tenant", Required = true };
        var zone = new Option<string>("--zone") { Description = "Its network zone", DefaultValueFactory = _ => "app" };
        var cpu = new Option<string>("--cpu") { Description = "CPU quota (requests)", DefaultValueFactory = _ => "4" };
        var memory = new Option<string>("--memory") { Description = "Memory quota", DefaultValueFactory = _ => "8Gi" };
        var pods = new Option<int>("--pods") { Description = "Pod quota", DefaultValueFactory = _ => 50 };
        var flows = new Option<string[]>("--flow") { Description = "A connection it may open, as target:port (repeatable), such as postgres-pooler:5432", AllowMultipleArgumentsPerToken = true };
        var outDir = Cli.OutDir();
        var command = new Command("onboard", "Add a tenant to the spec and render it: namespace, quota, default deny plus its flows, image checks, AppProject") { tenantName, team, zone, cpu,
            memory, pods, flows, outDir };
        command.SetAction(result =>
        {
            var specPath = result.GetValue(cli.Spec)!;
            var name = result.GetValue(tenantName)!;
            var declared = new List<FlowSpec>();
            foreach (var flow in result.GetValue(flows) ?? [])
            {
                var colon = flow.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(flow[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port))
                {
                    cli.Stderr.WriteLine($"--flow {flow}: write it as target:port, such as postgres-pooler:5432");
                    return Cli.SpecInvalid;
                }
                declared.Add(new FlowSpec { To = flow[..colon], Port = port });
            }
            var tenant = new TenantSpec
            {
                Name = name,
                Team = result.GetValue(team)!,
                Zone = result.GetValue(zone)!,
                Quota = new QuotaSpec { Cpu = result.GetValue(cpu)!, Memory = result.GetValue(memory)!, Pods = result.GetValue(pods) },
                Flows = declared,
            };
            return SpecEdit.Apply(cli, specPath, text =>
                SpecLoader.Parse(text, specPath).HasTenant(name) ? null : SpecEditor.AddTenant(text, tenant),
                $"tenant '{name}' is already onboarded", $"onboarded {name}", result.GetValue(outDir)!);
        });
        return command;
    }
}

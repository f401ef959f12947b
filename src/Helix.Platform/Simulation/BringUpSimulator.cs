using System.Text.Json;
using Helix.Platform.Charts;
using Helix.Platform.Model;
using Helix.Platform.Verification;

namespace Helix.Platform.Simulation;

/// <summary>
/// Brings the platform up offline, as Argo CD would: the runbook's hand installs, then the root
/// app-of-apps wave by wave (a wave starts when the Applications before it are Healthy), each
/// Application's objects (the tree's manifests and its charts' real output) in apply order. At each
/// object it checks what the cluster would check or wait for: the kind's CRD, the namespace, the
/// AppProject, the Secrets, ConfigMaps, ServiceAccounts, StorageClasses and PriorityClasses it
/// names, where its pods can be scheduled and whether their volumes can attach there, what keeps
/// it from Healthy, and admission by Pod Security and by the Kyverno policies active by then.
/// </summary>
internal static class BringUpSimulator
{
    public const string CrdRule = "bring-up-crd";
    public const string NamespaceRule = "bring-up-namespace";
    public const string ProjectRule = "bring-up-project";
    public const string ReferenceRule = "bring-up-reference";
    public const string ScheduleRule = "bring-up-schedule";
    public const string VolumeRule = "bring-up-volume";
    public const string HealthRule = "bring-up-health";
    public const string AdmissionRule = "bring-up-admission";
    public const string PolicyRule = "bring-up-policy";
    public const string SelfHealRule = "bring-up-self-heal";
    public const string UndecidedRule = "bring-up-undecided";
    public const string OwnerRule = "bring-up-owner";

    /// <summary>The Pod Security level a namespace without a label gets: Talos' admission configuration (baseline, kube-system exempt).</summary>
    public const string DefaultPodSecurity = "baseline";

    /// <summary>Simulates the bring-up of <paramref name="tree"/> with its charts' output.</summary>
    /// <param name="tree">Every object of the GitOps tree, by file.</param>
    /// <param name="charts">The tree's chart releases, rendered.</param>
    /// <param name="model">The platform's model: node pools and the secrets inventory.</param>
    /// <param name="byHand">The Applications the runbook installs with Helm before Argo CD, in order.</param>
    public static BringUpReport Simulate(IReadOnlyList<(string File, JsonElement Object)> tree, ChartReport charts, PlatformModel model, IReadOnlyList<string> byHand)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(charts);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(byHand);
        var all = ArgoApplication.FromTree(tree);
        // The root syncs a folder that holds other Applications; each child syncs its own folders. Files are
        // matched to folders through their ancestors, so the partition stays linear in the tree's size.
        var appFolders = all.SelectMany(a => Ancestors(a.File).Select(folder => (folder, a.Name))).ToLookup(x => x.folder, x => x.Name, StringComparer.Ordinal);
        var rootApp = all.FirstOrDefault(a => a.Paths.Any(p => appFolders[p.TrimEnd('/')].Any(name => name != a.Name)))
            ?? new ArgoApplication("root", "-", 0, "platform", "argocd", [], [], SelfHeal: true, CreateNamespace: false);
        var applications = all.Where(a => a != rootApp).ToList();
        var byFolder = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var app in applications)
        {
            foreach (var path in app.Paths)
            {
                byFolder.TryAdd(path.TrimEnd('/'), app.Name);
            }
        }
        var objects = applications.ToDictionary(a => a.Name, a => new List<KubeObject>(), StringComparer.Ordinal);
        foreach (var chart in charts.Charts.Where(c => objects.ContainsKey(c.Release.Application)))
        {
            objects[chart.Release.Application].AddRange(chart.Objects.Select(o => new KubeObject(chart.Source, o)));
        }
        var root = new List<KubeObject>();
        foreach (var (file, o) in tree.Where(t => !TreeVerifier.IsTestSuite(t.File)))
        {
            var owner = Ancestors(file).Select(folder => byFolder.GetValueOrDefault(folder)).FirstOrDefault(name => name is not null);
            (owner is null ? root : objects[owner]).Add(new KubeObject(file, o));
        }

        string By(ArgoApplication a) => byHand.Contains(a.Name) ? $"{a.Name} (by hand)" : $"{a.Name} (wave {a.Wave})";
        // CRDs a component's controller registers at start (declared by the component) count as its Application's.
        var declared = model.Declarations.DistinctBy(d => d.Name).ToDictionary(d => d.Name, d => d.CrdsInstalled, StringComparer.Ordinal);
        var registered = applications.ToDictionary(a => a.Name, a => declared.GetValueOrDefault(a.Name) ?? [], StringComparer.Ordinal);
        var state = new ClusterState(NodePool.From(model), [.. objects.Values.SelectMany(o => o), .. root],
            applications.SelectMany(a => objects[a.Name].Select(o => (Object: o, By: By(a)))),
            applications.SelectMany(a => registered[a.Name].Select(c => (c.Group, c.Kind, By(a)))));
        foreach (var secret in model.Secrets())
        {
            state.Applied.Provide(new Reference("Secret", secret.Namespace, secret.Name, ""), $"the secrets inventory ({secret.Creator.ToString().ToLowerInvariant()})");
        }

        var simulated = new List<SimulatedApplication>();
        foreach (var name in byHand)
        {
            if (applications.FirstOrDefault(a => a.Name == name) is { } app)
            {
                simulated.Add(Sync(app with { CreateNamespace = true }, objects[app.Name], registered[app.Name], state, byHandInstall: true));
            }
        }
        // The runbook applies the projects and the root Application; the root then syncs what is outside every Application's folder.
        simulated.Add(Sync(rootApp with { Wave = int.MinValue }, root, [], state, byHandInstall: false));
        foreach (var app in applications.Where(a => !byHand.Contains(a.Name)).OrderBy(a => a.Wave).ThenBy(a => a.Name, StringComparer.Ordinal))
        {
            simulated.Add(Sync(app, objects[app.Name], registered[app.Name], state, byHandInstall: false));
        }
        return new BringUpReport(simulated, state.Warnings);
    }

    // A tree file's folders, nearest first, named from the repository root (as Applications name their paths).
    private static IEnumerable<string> Ancestors(string file)
    {
        var path = file.StartsWith(Rendering.GitOpsRenderer.Root + "/", StringComparison.Ordinal) ? file : $"{Rendering.GitOpsRenderer.Root}/{file}";
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }

    private static SimulatedApplication Sync(ArgoApplication app, IReadOnlyList<KubeObject> objects, IReadOnlyList<CrdKind> registers, ClusterState state, bool byHandInstall)
    {
        var where = byHandInstall ? $"{app.Name} (by hand)" : app.Wave == int.MinValue ? $"{app.Name} (bootstrap)" : $"{app.Name} (wave {app.Wave})";
        var live = objects.Where(o => !o.IsTestHook && o.Kind.Length > 0).ToList();
        var own = new ObjectCatalog();
        foreach (var o in live)
        {
            own.Add(o, state.NamespaceOf(o, app), "this sync");
        }
        foreach (var crd in registers)
        {
            own.ProvideCrd(crd.Group, crd.Kind, "this sync");
        }
        var results = new List<SimulatedObject>();
        foreach (var o in live.OrderBy(o => o.Wave).ThenBy(o => ApiScope.ApplyOrder(o.Kind)).ThenBy(o => o.Kind, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal))
        {
            results.Add(Check(o, app, own, state, byHandInstall));
        }
        foreach (var o in live)
        {
            state.Applied.Add(o, state.NamespaceOf(o, app), where, app.Name);
        }
        foreach (var crd in registers)
        {
            state.Applied.ProvideCrd(crd.Group, crd.Kind, $"{where}, its controller registers it");
        }
        var blocker = results.SelectMany(r => r.Findings).FirstOrDefault(f => f.Severity == Severity.Error && f.Rule != SelfHealRule);
        return new SimulatedApplication(app.Name, byHandInstall, app.Wave, app.Project, app.Namespace, results, blocker);
    }

    private static SimulatedObject Check(KubeObject o, ArgoApplication app, ObjectCatalog own, ClusterState state, bool byHandInstall)
    {
        var ns = state.NamespaceOf(o, app);
        var resource = ns is null ? $"{o.Kind}/{o.Name}" : $"{o.Kind}/{ns}/{o.Name}";
        var waits = new List<string>();
        var findings = new List<Finding>();
        void Error(string rule, string message, string fix) => findings.Add(new Finding(Severity.Error, o.Source, resource, rule, $"{message} ({Where(app, byHandInstall)})", fix));

        // The kind: built in, or its CRD established before, or in the same sync (Argo CD skips the dry run for those).
        if (TreeVerifier.IsCustomResource(o.Group))
        {
            if (state.Applied.Crd(o.Group, o.Kind) is { } by)
            {
                waits.Add($"CRD {o.Kind}.{o.Group}: {by}");
            }
            else if (own.Crd(o.Group, o.Kind) is null)
            {
                if (state.CrdOwner(o.Group, o.Kind) is { } later)
                {
                    Error(CrdRule, $"a {o.Kind} ({o.Group}) before its CRD, which {later} installs: the sync fails until then",
                        "install the CRD in an earlier wave (or by hand before), or turn this object off until it is");
                }
                else
                {
                    state.Warn(new Finding(Severity.Warning, o.Source, resource, UndecidedRule,
                        $"nothing in the tree or the charts installs the CRD of {o.Kind} ({o.Group}): the simulation cannot tell whether it applies",
                        "install its CRD from the tree or a chart, or remove the object"));
                }
            }
        }

        // One Application per object: two that apply it overwrite each other on every sync.
        if (!o.IsHook && state.Applied.Owner(new Reference(o.Kind, ns, o.Name, "")) is { } owner && owner != app.Name)
        {
            Error(OwnerRule, $"Application {owner} applies it too: each sync undoes the other's, and both show SharedResourceWarning",
                "keep the object in one Application (turn it off in the other's chart values or manifests)");
        }

        // The namespace, and the project's permission to put the object there (or, cluster-scoped, to create its kind).
        if (ns is not null)
        {
            if (state.Applied.Namespace(ns) is { } by)
            {
                waits.Add($"Namespace {ns}: {by}");
            }
            else if (own.Namespace(ns) is null && !(app.CreateNamespace && ns == app.Namespace))
            {
                Error(NamespaceRule, $"namespace {ns} does not exist", "create the namespace in an earlier wave (bootstrap/namespaces.yaml), or sync with CreateNamespace=true");
            }
        }
        if (!byHandInstall)
        {
            if ((state.Applied.Project(app.Project) ?? own.Project(app.Project)) is not { } project)
            {
                Error(ProjectRule, $"AppProject {app.Project} does not exist", "create the AppProject before the Application");
            }
            else if (project.Refuses(o, ns) is { } refusal)
            {
                Error(ProjectRule, $"AppProject {app.Project} refuses it: {refusal}", "permit the destination (or kind) in the project, or move the object");
            }
        }
        if (o.Kind == "Application" && o.Group == "argoproj.io" && ApplicationRefusal(o, state, own) is { } refused)
        {
            Error(ProjectRule, refused, "permit the Application's repositories and destination in its AppProject");
        }

        // Everything it names must exist by now, in this sync, or in the secrets inventory.
        var scaledTo = state.Autoscaled(o, ns);
        var pods = PodShape.Of(o, scaledTo);
        foreach (var need in References.Needs(o, ns, pods).DistinctBy(r => r.Key))
        {
            if (state.Applied.Find(need) is { } by)
            {
                waits.Add($"{need.Key}: {by}");
            }
            else if (own.Find(need) is null)
            {
                Error(ReferenceRule, $"{need.Key} ({need.Why}) does not exist, and nothing creates it: not the tree, not a chart, not the secrets inventory",
                    need.Kind == "Secret"
                        ? "declare the Secret in its component (it joins the inventory and `helix secrets`), or create it in an earlier wave"
                        : $"create the {need.Kind} in an earlier wave or in this Application");
            }
        }

        // A route's Services must be there, with the port it names: else Traefik answers 404 or 502 for the host.
        if (o.Group == "traefik.io" && o.Kind == "IngressRoute" && ns is not null)
        {
            foreach (var service in KubeObject.Items(o.At("spec", "routes")).SelectMany(r => KubeObject.Items(KubeObject.Element(r, "services")))
                         .Where(s => (KubeObject.Text(s, "kind") ?? "Service") == "Service"))
            {
                var target = $"{KubeObject.Text(service, "namespace") ?? ns}/{KubeObject.Text(service, "name")}";
                var port = KubeObject.Element(service, "port")?.ToString();
                var split = target.IndexOf('/', StringComparison.Ordinal);
                var ports = state.Applied.ServicePorts(target[..split], target[(split + 1)..]) ?? own.ServicePorts(target[..split], target[(split + 1)..]);
                if (ports is null)
                {
                    Error(ReferenceRule, $"Service/{target}, which a route sends to, does not exist", "route to a Service that exists, or create it in an earlier wave");
                }
                else if (port is not null && !ports.Contains(port))
                {
                    Error(ReferenceRule, $"Service/{target} has no port {port}, which a route sends to (it has {string.Join(", ", ports.Order(StringComparer.Ordinal))})",
                        "route to a port the Service has");
                }
            }
        }

        if (pods is not null)
        {
            Schedule(ns, pods, own, state, Error, waits);
            if (pods.Spec is { } spec && ns is not null)
            {
                Admit(spec, ns, own, state, Error);
            }
        }
        if (o.Kind == "Service" && o.Group == "" && KubeObject.Text(o.Json, "spec", "type") == "LoadBalancer" && !state.Applied.LoadBalancers && !own.LoadBalancers)
        {
            Error(HealthRule, "a LoadBalancer Service, and nothing in the cluster provides load balancers (no cloud controller manager, no LB IPAM pool): "
                + "it stays Pending and the Application Progressing",
                "make it a ClusterIP (Traefik routes to it) or a NodePort behind the Terraform load balancer");
        }
        if (o.Group == "kyverno.io" && o.Kind is "ClusterPolicy" or "Policy" && KyvernoRefuses(o) is { } invalid)
        {
            Error(PolicyRule, $"Kyverno refuses the policy: {invalid}", "set mutateDigest: false on verifyImages rules that only audit, or enforce them");
        }
        if (scaledTo is not null && o.Kind is "Deployment" or "StatefulSet" && KubeObject.Number(o.Json, "spec", "replicas") is { } pinned && app.SelfHeal)
        {
            findings.Add(new Finding(Severity.Error, o.Source, resource, SelfHealRule,
                $"replicas: {pinned} while a HorizontalPodAutoscaler scales it: self-heal resets every scaling, and the Application flaps OutOfSync ({Where(app, byHandInstall)})",
                "leave replicas out of the workload the autoscaler owns"));
        }
        return new SimulatedObject(resource, o.Source, waits, findings);
    }

    private static string Where(ArgoApplication app, bool byHand) =>
        byHand ? $"{app.Name}, installed by hand" : app.Wave == int.MinValue ? "bootstrap" : $"{app.Name}, wave {app.Wave}";

    private static void Schedule(string? ns, PodShape pods, ObjectCatalog own, ClusterState state, Action<string, string, string> error, List<string> waits)
    {
        if (state.Pools.Count == 0)
        {
            return;
        }
        var refusals = state.Pools.Select(p => (Pool: p, Why: p.Refuses(pods)
            ?? (p.Cpu is { } cpu && pods.Cpu > cpu ? $"requests {pods.Cpu} CPU, a node has {cpu}" : null)
            ?? (p.Memory is { } memory && pods.Memory > memory ? $"requests {pods.Memory / (1024 * 1024):0}Mi, a node has {memory / (1024 * 1024):0}Mi" : null))).ToList();
        var candidates = refusals.Where(r => r.Why is null).Select(r => r.Pool).ToList();
        if (candidates.Count == 0)
        {
            error(ScheduleRule, $"its pods fit no node pool ({string.Join("; ", refusals.Select(r => $"{r.Pool.Name}: {r.Why}"))}): they stay Pending",
                "tolerate the pool's taint, or select a pool whose labels and size fit");
            return;
        }
        foreach (var claim in pods.Claims)
        {
            var className = claim.StorageClass
                ?? (ns is null ? null : own.ClaimClass(ns, claim.Name) ?? state.Applied.ClaimClass(ns, claim.Name))
                ?? state.Applied.DefaultStorageClass ?? own.DefaultStorageClass;
            // A claim object that is missing is a reference finding; one that exists, or a template's, without a class binds to nothing.
            var exists = !claim.ByName || (ns is not null && (own.HasClaim(ns, claim.Name) || state.Applied.HasClaim(ns, claim.Name)));
            if (className is null && exists)
            {
                error(HealthRule, $"its claim {claim.Name} names no storage class, and no StorageClass is the default: it stays Pending, and so do its pods",
                    "name the storage class in the claim (or its volumeClaimTemplate)");
                return;
            }
            if (className is null || (state.Applied.StorageClass(className) ?? own.StorageClass(className)) is not { } provisioner)
            {
                continue; // a missing claim or class is a reference finding already
            }
            var plugin = state.Applied.NodePluginPools(provisioner, state.Pools) ?? own.NodePluginPools(provisioner, state.Pools);
            if (plugin is null)
            {
                continue; // a provisioner the simulation does not know runs wherever it is needed
            }
            var reachable = candidates.Where(p => plugin.Contains(p.Name)).ToList();
            if (reachable.Count == 0)
            {
                var landing = string.Join(", ", candidates.Select(p => p.Name));
                var plugins = plugin.Count == 0 ? "no pool" : string.Join(", ", plugin);
                error(VolumeRule, $"its volume {claim.Name} ({className}, {provisioner}) cannot attach: its pods land on {landing}, and the CSI node plugin runs only on {plugins}",
                    "let the storage driver's node plugin tolerate the pool's taint (Longhorn: longhornManager.tolerations and defaultSettings.taintToleration)");
                return;
            }
            waits.Add($"CSI node plugin {provisioner} on {string.Join(", ", reachable.Select(p => p.Name))}");
            candidates = reachable;
        }
        if (state.Charge(pods, candidates) is { } full)
        {
            error(ScheduleRule, full, "make the pool larger, or lower the requests");
        }
    }

    private static void Admit(JsonElement pod, string ns, ObjectCatalog own, ClusterState state, Action<string, string, string> error)
    {
        var level = own.PodSecurity(ns) ?? state.Applied.PodSecurity(ns) ?? (ns == "kube-system" ? "privileged" : DefaultPodSecurity);
        if (PodSecurityStandard.Violation(pod, level) is { } violation)
        {
            error(AdmissionRule, $"Pod Security admission refuses its pods in {ns} (enforce: {level}): {violation}",
                "label the namespace with the level its workloads need, or harden the pod spec");
        }
        JsonElement? asPod = null; // the template as the Pod it becomes, made once when a pattern rule needs it
        foreach (var (policy, rule, by) in state.EnforcedPodRules(ns))
        {
            var validate = KubeObject.Element(rule, "validate");
            if (validate is { } v && KubeObject.Text(v, "podSecurity", "level") is { } required && PodSecurityStandard.Violation(pod, required) is { } broken)
            {
                error(AdmissionRule, $"Kyverno policy {policy} ({by}, Enforce) refuses its pods: {broken}", "harden the pod spec, or exclude the namespace in the policy");
            }
            if (validate is { } p && KubeObject.Element(p, "pattern") is { } pattern && KyvernoPattern.Mismatch(asPod ??= Wrap(pod), pattern) is { } field)
            {
                error(AdmissionRule, $"Kyverno policy {policy} ({by}, Enforce) refuses its pods at {field}", "make the pod match the policy's pattern (an allowed registry)");
            }
        }
    }

    private static JsonElement Wrap(JsonElement spec) => JsonDocument.Parse($"{{\"spec\":{spec.GetRawText()}}}").RootElement;

    /// <summary>Kyverno's own validation of a policy: a verifyImages rule that only audits may not mutate digests (mutateDigest defaults to true).</summary>
    private static string? KyvernoRefuses(KubeObject policy)
    {
        var specAction = KubeObject.Text(policy.Json, "spec", "validationFailureAction") ?? "Audit";
        foreach (var rule in KubeObject.Items(policy.At("spec", "rules")))
        {
            foreach (var verify in KubeObject.Items(KubeObject.Element(rule, "verifyImages")))
            {
                var action = KubeObject.Text(verify, "failureAction") ?? KubeObject.Text(rule, "validate", "failureAction") ?? specAction;
                var mutates = KubeObject.Element(verify, "mutateDigest")?.ValueKind != JsonValueKind.False;
                if (action.Equals("Audit", StringComparison.OrdinalIgnoreCase) && mutates)
                {
                    return $"rule {KubeObject.Text(rule, "name")} audits (failureAction {action}) with mutateDigest true";
                }
            }
        }
        return null;
    }

    /// <summary>An Application is refused when its project is missing, or does not permit its repositories or destination.</summary>
    private static string? ApplicationRefusal(KubeObject application, ClusterState state, ObjectCatalog own)
    {
        var app = ArgoApplication.From("", application.Json);
        var project = state.Applied.Project(app.Project) ?? own.Project(app.Project);
        if (project is null)
        {
            return $"its AppProject {app.Project} does not exist";
        }
        if (app.RepoUrls.FirstOrDefault(url => !project.PermitsSource(url)) is { } repo)
        {
            return $"AppProject {app.Project} does not permit its source {repo}";
        }
        return project.Permits(app.Namespace)
            ? null
            : $"AppProject {app.Project} does not permit its destination namespace {app.Namespace}";
    }
}

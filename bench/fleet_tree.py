"""Writes the benchmark's fleet-sized tree into the folder given: docker/families.yaml (24 families: a root, 5
children, 18 grandchildren, 8-32 MiB layers), docker/fleet.yaml (69 services spread over them and both machines)
and each service's one-file program in apps/. Used by bench/bake.sh."""
import os, sys
root = sys.argv[1]
lines = ["version: 1", "registry: 127.0.0.1:5000/kiln/fleet", "platforms: [linux/amd64]",
         "defaults:", "  user: { name: app, uid: 10001, gid: 10001 }",
         "machines:", "  mainpc: { env: { OMP_NUM_THREADS: \"8\" } }", "  pc2: { env: { OMP_NUM_THREADS: \"2\" } }",
         "families:",
         "  root:", "    base: ${KILN_DEMO_BASE}", "    copy: [{ src: docker/files/motd, dest: /etc/motd }]",
         '    run: ["dd if=/dev/urandom of=/root.bin bs=1M count=32"]']
families = ["root"]
for i in range(23):
    name, parent = (f"mid-{i:02d}", "root") if i < 5 else (f"leaf-{i:02d}", f"mid-{i % 5:02d}")
    families.append(name)
    lines += [f"  {name}:", f"    parent: {parent}", f'    run: ["dd if=/dev/urandom of=/{name}.bin bs=1M count=8"]']
open(os.path.join(root, "docker/families.yaml"), "w").write("\n".join(lines) + "\n")
fleet = ["version: 1", "source_root: apps", "deploy_dir: deploy", "defaults:", "  requirements: none",
         "machines:", "  mainpc: { port_offset: 0 }", "  pc2: { port_offset: 0 }", "services:"]
for i in range(69):
    name = f"svc-{i:02d}"
    os.makedirs(os.path.join(root, "apps", name))
    open(os.path.join(root, "apps", name, "app.py"), "w").write(f"print('{name}')\n")
    fleet += [f"  {name}:", f"    machines: [{'mainpc' if i % 2 == 0 else 'pc2'}]", "    needs: [cpu]",
              f"    family: {families[i % len(families)]}", f"    entrypoint: {name}/app.py",
              f"    ports: [{20000 + i}]", f"    health: {{ port: {20000 + i} }}"]
open(os.path.join(root, "docker/fleet.yaml"), "w").write("\n".join(fleet) + "\n")

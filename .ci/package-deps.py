"""Package.swift tells the truth: every target declares exactly the modules its Swift files import.

Run from the package root (CI does, after the format check). Prints each target whose imports and declared
dependencies differ and exits 1; prints one line and exits 0 when they all agree.
"""
import json
import os
import re
import subprocess
import sys

# Modules of the toolchain and the system, never declared.
SYSTEM = {"Foundation", "FoundationXML", "FoundationNetworking", "FoundationEssentials", "Testing", "XCTest",
          "Glibc", "Musl", "Darwin", "Dispatch", "Synchronization", "_Concurrency"}
# A top-level import line (indented text inside a string, such as an embedded Python script, does not count).
IMPORT = re.compile(r"^(?:@testable |@_implementationOnly |public |package |internal )?import (?:\w+ )?(\w+)")

package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], stderr=subprocess.DEVNULL))
differ = 0
for target in package["targets"]:
    name = target["name"]
    folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
    declared = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                declared.add(dependency[kind][0])
    imported, swift_files = set(), 0
    for directory, _, files in os.walk(folder):
        for file in files:
            if file.endswith(".swift"):
                swift_files += 1
                with open(os.path.join(directory, file), encoding="utf-8") as source:
                    imported |= {m.group(1) for m in map(IMPORT.match, source) if m}
    if swift_files == 0:
        continue  # a C target
    imported -= SYSTEM | {name}
    undeclared, unused = sorted(imported - declared), sorted(declared - imported)
    if undeclared or unused:
        differ += 1
        print(f"Package.swift: target {name}: imports {undeclared} without declaring them, declares {unused} "
              "without importing them; make its dependencies list what its files import")
if differ:
    sys.exit(1)
print(f"Package.swift: all {len(package['targets'])} targets declare exactly what they import")

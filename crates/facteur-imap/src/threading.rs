//! THREAD algorithms of RFC 5256: ORDEREDSUBJECT (§4) and REFERENCES (§5, after Jamie Zawinski's), sans-IO:
//! messages in, thread trees out.
//!
//! Threads can be as deep as senders make their References headers, so nothing here recurses: trees are
//! walked with explicit stacks.

use std::cmp::Ordering;
use std::collections::HashMap;

use facteur_imap_proto::ThreadNode;

/// What threading needs of one message.
#[derive(Debug, Clone)]
pub struct Threadable {
    /// What the answer shows: a sequence number or a UID.
    pub number: u32,
    /// For ties of sent date (RFC 5256: mailbox order).
    pub seq: u32,
    /// Sent date (Date header, else INTERNALDATE), Unix time.
    pub date: i64,
    /// Compared as is: case-mapped by the caller.
    pub base_subject: String,
    /// The subject had `Re:`, `Fwd:` or similar (§2.1).
    pub is_reply: bool,
    pub message_id: Option<String>,
    /// The References msg-ids in order, or the first In-Reply-To one when References is absent.
    pub references: Vec<String>,
}

/// ORDEREDSUBJECT: one thread per base subject, the earliest message the parent of all others, threads in the
/// order of their first message.
pub fn ordered_subject(mut messages: Vec<Threadable>) -> Vec<ThreadNode> {
    messages.sort_by(|a, b| a.base_subject.cmp(&b.base_subject).then_with(|| by_date(a, b)));
    let mut threads: Vec<(Threadable, ThreadNode)> = Vec::new();
    for message in messages {
        match threads.last_mut() {
            Some((first, node)) if first.base_subject == message.base_subject => {
                node.children.push(leaf(message.number));
            }
            _ => threads.push((message.clone(), leaf(message.number))),
        }
    }
    threads.sort_by(|(a, _), (b, _)| by_date(a, b));
    threads.into_iter().map(|(_, node)| node).collect()
}

fn by_date(a: &Threadable, b: &Threadable) -> Ordering {
    a.date.cmp(&b.date).then(a.seq.cmp(&b.seq))
}

fn leaf(number: u32) -> ThreadNode {
    ThreadNode { message: Some(number), children: Vec::new() }
}

/// One node of the REFERENCES forest: a message, or a dummy standing for a message only referred to.
#[derive(Debug, Default)]
struct Container {
    message: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

struct Forest {
    messages: Vec<Threadable>,
    containers: Vec<Container>,
}

/// REFERENCES (§5): threads from Message-ID, References and In-Reply-To, then joined by base subject.
pub fn references(messages: Vec<Threadable>) -> Vec<ThreadNode> {
    let mut forest = Forest { messages, containers: Vec::new() };
    forest.link_by_references();
    let roots: Vec<usize> = (0..forest.containers.len()).filter(|&c| forest.containers[c].parent.is_none()).collect();
    let roots = forest.prune(roots);
    forest.sort_children();
    let mut roots = forest.sorted(roots);
    roots = forest.group_by_subject(roots);
    forest.sort_children();
    let roots = forest.sorted(roots);
    forest.into_nodes(&roots)
}

impl Forest {
    /// Step 1: a container per msg-id, parents from the reference chains.
    fn link_by_references(&mut self) {
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for index in 0..self.messages.len() {
            let mut previous: Option<usize> = None;
            for id in self.messages[index].references.clone() {
                let container = self.container_for(&mut by_id, &id);
                if let Some(parent) = previous
                    && self.containers[container].parent.is_none()
                {
                    self.link(parent, container);
                }
                previous = Some(container);
            }
            // A message without Message-ID, or repeating one already held by a message, gets its own.
            let own = match self.messages[index].message_id.clone() {
                Some(id) => {
                    let found = self.container_for(&mut by_id, &id);
                    if self.containers[found].message.is_some() { self.new_container() } else { found }
                }
                None => self.new_container(),
            };
            self.containers[own].message = Some(index);
            // The message itself knows its parent better than other messages' References did.
            self.unlink(own);
            if let Some(parent) = previous {
                self.link(parent, own);
            }
        }
    }

    fn container_for(&mut self, by_id: &mut HashMap<String, usize>, id: &str) -> usize {
        if let Some(&found) = by_id.get(id) {
            return found;
        }
        let created = self.new_container();
        by_id.insert(id.to_owned(), created);
        created
    }

    fn new_container(&mut self) -> usize {
        self.containers.push(Container::default());
        self.containers.len() - 1
    }

    /// Makes `child` a child of `parent`, unless that would make a loop.
    fn link(&mut self, parent: usize, child: usize) {
        if parent == child || self.is_ancestor(child, parent) {
            return;
        }
        self.unlink(child);
        self.containers[child].parent = Some(parent);
        self.containers[parent].children.push(child);
    }

    fn unlink(&mut self, child: usize) {
        if let Some(parent) = self.containers[child].parent.take() {
            self.containers[parent].children.retain(|&c| c != child);
        }
    }

    /// Whether `ancestor` is `node` or above it.
    fn is_ancestor(&self, ancestor: usize, node: usize) -> bool {
        let mut at = Some(node);
        while let Some(current) = at {
            if current == ancestor {
                return true;
            }
            at = self.containers[current].parent;
        }
        false
    }

    /// Containers below `roots`, parents before children.
    fn preorder(&self, roots: &[usize]) -> Vec<usize> {
        let mut order = Vec::new();
        let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
        while let Some(container) = stack.pop() {
            order.push(container);
            stack.extend(self.containers[container].children.iter().rev());
        }
        order
    }

    /// Step 3: dummies without children go; a dummy with children gives way to them, except at the top
    /// where a dummy holding several threads together stays.
    fn prune(&mut self, roots: Vec<usize>) -> Vec<usize> {
        for container in self.preorder(&roots).into_iter().rev() {
            let children = std::mem::take(&mut self.containers[container].children);
            let mut kept = Vec::with_capacity(children.len());
            for child in children {
                if self.containers[child].message.is_none() {
                    let grandchildren = std::mem::take(&mut self.containers[child].children);
                    for &grandchild in &grandchildren {
                        self.containers[grandchild].parent = Some(container);
                    }
                    kept.extend(grandchildren);
                } else {
                    kept.push(child);
                }
            }
            self.containers[container].children = kept;
        }
        let mut kept = Vec::new();
        for root in roots {
            let dummy = self.containers[root].message.is_none();
            match self.containers[root].children.len() {
                0 if dummy => {}
                1 if dummy => {
                    let only = self.containers[root].children[0];
                    self.containers[only].parent = None;
                    self.containers[root].children.clear();
                    kept.push(only);
                }
                _ => kept.push(root),
            }
        }
        kept
    }

    /// The message a container stands for in sorting and grouping: its own, or a dummy's first child's.
    fn representative(&self, container: usize) -> Option<&Threadable> {
        let container = &self.containers[container];
        let index = container
            .message
            .or_else(|| container.children.first().and_then(|&first| self.containers[first].message))?;
        self.messages.get(index)
    }

    fn compare(&self, a: usize, b: usize) -> Ordering {
        match (self.representative(a), self.representative(b)) {
            (Some(a), Some(b)) => by_date(a, b),
            (a, b) => a.is_some().cmp(&b.is_some()),
        }
    }

    fn sorted(&self, mut containers: Vec<usize>) -> Vec<usize> {
        containers.sort_by(|&a, &b| self.compare(a, b));
        containers
    }

    /// Step 6 (and 4): siblings by sent date, deepest first so a dummy's first child is settled before it
    /// is compared.
    fn sort_children(&mut self) {
        let roots: Vec<usize> = (0..self.containers.len()).filter(|&c| self.containers[c].parent.is_none()).collect();
        for container in self.preorder(&roots).into_iter().rev() {
            let children = std::mem::take(&mut self.containers[container].children);
            self.containers[container].children = self.sorted(children);
        }
    }

    /// Step 5: threads whose roots share a base subject are joined.
    fn group_by_subject(&mut self, roots: Vec<usize>) -> Vec<usize> {
        let mut table: HashMap<String, usize> = HashMap::new();
        for &root in &roots {
            let Some(message) = self.representative(root) else { continue };
            if message.base_subject.is_empty() {
                continue;
            }
            let (subject, reply) = (message.base_subject.clone(), message.is_reply);
            let dummy = self.containers[root].message.is_none();
            let better = match table.get(&subject) {
                None => true,
                Some(&held) => {
                    let held_dummy = self.containers[held].message.is_none();
                    let held_reply = self.representative(held).is_some_and(|m| m.is_reply);
                    // A dummy is the better root; among real messages, the one that is not a reply.
                    !held_dummy && (dummy || (held_reply && !reply))
                }
            };
            if better {
                table.insert(subject, root);
            }
        }
        let mut kept = Vec::with_capacity(roots.len());
        let mut replaced: HashMap<usize, usize> = HashMap::new();
        for &root in &roots {
            let subject = self.representative(root).map(|m| m.base_subject.clone()).unwrap_or_default();
            let held = table.get(&subject).copied();
            let Some(held) = held.filter(|&held| held != root && !subject.is_empty()) else {
                kept.push(root);
                continue;
            };
            let merged_into = self.merge(held, root);
            if merged_into != held {
                table.insert(subject, merged_into);
                replaced.insert(held, merged_into);
            }
        }
        // A held root that became the child of a new dummy is shown through that dummy.
        kept.into_iter().map(|root| replaced.get(&root).copied().unwrap_or(root)).collect()
    }

    /// Joins `other` into the thread of `held` (the table's container for their subject); returns the
    /// container that now heads them.
    fn merge(&mut self, held: usize, other: usize) -> usize {
        let held_dummy = self.containers[held].message.is_none();
        let other_dummy = self.containers[other].message.is_none();
        if held_dummy && other_dummy {
            for child in std::mem::take(&mut self.containers[other].children) {
                self.containers[child].parent = None;
                self.link(held, child);
            }
            return held;
        }
        if held_dummy {
            self.link(held, other);
            return held;
        }
        let held_reply = self.representative(held).is_some_and(|m| m.is_reply);
        let other_reply = self.representative(other).is_some_and(|m| m.is_reply);
        if !held_reply && other_reply {
            self.link(held, other);
            return held;
        }
        let dummy = self.new_container();
        self.link(dummy, held);
        self.link(dummy, other);
        dummy
    }

    fn into_nodes(self, roots: &[usize]) -> Vec<ThreadNode> {
        roots.iter().map(|&root| self.node(root)).collect()
    }

    /// The tree under `root`, built bottom-up without recursion.
    fn node(&self, root: usize) -> ThreadNode {
        let order = self.preorder(&[root]);
        let mut built: HashMap<usize, ThreadNode> = HashMap::with_capacity(order.len());
        for &container in order.iter().rev() {
            let children = self.containers[container].children.iter().filter_map(|child| built.remove(child)).collect();
            let message = self.containers[container].message.and_then(|i| self.messages.get(i)).map(|m| m.number);
            built.insert(container, ThreadNode { message, children });
        }
        built.remove(&root).unwrap_or(ThreadNode { message: None, children: Vec::new() })
    }
}

/// The msg-ids of a References or In-Reply-To value, in order, angle brackets kept.
pub fn msg_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(length) = rest[start..].find('>') else { break };
        let id: String = rest[start..=start + length].chars().filter(|c| !c.is_whitespace()).collect();
        if id.len() > 2 {
            ids.push(id);
        }
        rest = &rest[start + length + 1..];
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(number: u32, date: i64, subject: &str, id: &str, references: &[&str]) -> Threadable {
        let (base_subject, is_reply) = crate::base_subject::base_subject(subject);
        Threadable {
            number,
            seq: number,
            date,
            base_subject,
            is_reply,
            message_id: (!id.is_empty()).then(|| id.to_owned()),
            references: references.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    /// The RFC 5256 notation: `(1 2)(3 (4)(5))`.
    fn show(nodes: &[ThreadNode]) -> String {
        fn one(node: &ThreadNode, out: &mut String) {
            if let Some(n) = node.message {
                out.push_str(&n.to_string());
            }
            match node.children.len() {
                0 => {}
                1 => {
                    out.push(' ');
                    one(&node.children[0], out);
                }
                _ => {
                    if node.message.is_some() {
                        out.push(' ');
                    }
                    for child in &node.children {
                        out.push('(');
                        one(child, out);
                        out.push(')');
                    }
                }
            }
        }
        nodes.iter().fold(String::new(), |mut out, node| {
            out.push('(');
            one(node, &mut out);
            out.push(')');
            out
        })
    }

    #[test]
    fn ordered_subject_hangs_every_message_under_the_first() {
        let messages = vec![
            message(1, 30, "b", "", &[]),
            message(2, 10, "Re: a", "", &[]),
            message(3, 20, "a", "", &[]),
            message(4, 40, "Re: a", "", &[]),
        ];
        assert_eq!(show(&ordered_subject(messages)), "(2 (3)(4))(1)");
    }

    #[test]
    fn references_follow_the_chain_and_keep_missing_parents_as_dummies() {
        let messages = vec![
            message(1, 10, "topic", "<a>", &[]),
            message(2, 20, "Re: topic", "<b>", &["<a>"]),
            message(3, 30, "Re: topic", "<c>", &["<a>", "<b>"]),
            // Two replies to a message we do not have: held together by a dummy at the top.
            message(4, 40, "other", "<d>", &["<gone>"]),
            message(5, 50, "different", "<e>", &["<gone>"]),
        ];
        assert_eq!(show(&references(messages)), "(1 2 3)((4)(5))");
    }

    #[test]
    fn references_join_threads_by_subject_and_survive_loops() {
        let messages = vec![
            message(1, 10, "hello", "<a>", &["<b>"]),
            message(2, 20, "Re: hello", "<b>", &["<a>"]),
            message(3, 30, "Re: hello", "<x>", &[]),
            message(4, 40, "unrelated", "<a>", &[]),
        ];
        // 1 and 2 refer to each other: whichever link comes first wins, no loop. 3 shares the subject.
        let threads = show(&references(messages));
        assert!(threads.contains('3') && threads.contains('4'), "{threads}");
    }

    #[test]
    fn msg_ids_are_found_in_order() {
        assert_eq!(msg_ids("<a@b> (comment) <c@d>\r\n <e@f>"), ["<a@b>", "<c@d>", "<e@f>"]);
        assert_eq!(msg_ids("garbage <unclosed"), Vec::<String>::new());
    }
}

"""The StatusPort contract (engine/status_port.py): a part of testing/erp_contract.py's ErpContract,
run against the ERP fake in CI and against FrappeStatus (erp/status_records.py) on a bench.

It uses ContractFixtures' fixtures through ErpContract and needs the hooks below from the concrete
class. Rows made by lock_order are committed (the concrete class removes them); everything else
is left to tearDown's rollback.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from woocommerce_fusion.engine.status_port import PushState, StatusPort, StatusRule


class StatusContract:
	# -- hooks of the concrete class -------------------------------------------------------------

	def make_status(self) -> StatusPort:
		"""The StatusPort for the calling thread, in the same transaction as self.erp."""
		raise NotImplementedError

	def use_status_rules(self, rules: list[StatusRule]) -> None:
		"""The settings' server has these Status Rules (in this transaction)."""
		raise NotImplementedError

	# -- the contract ----------------------------------------------------------------------------

	def submitted_web_order(self, status: str = "processing") -> tuple[int, str]:
		"""A web order with its row (synced status `status`) and its submitted Sales Order."""
		woocommerce_id = self.new_id()
		self.save_and_commit(woocommerce_id, synced_status=status)
		name, _plan = self.insert(woocommerce_id, submit=True)
		return woocommerce_id, name

	def test_the_status_rules_are_the_servers_in_their_order(self):
		rules = [
			StatusRule("Sales Invoice submitted", "completed", True, add_note=True),
			StatusRule("Delivery Note submitted", "on-hold", False, add_note=False),
		]
		self.use_status_rules(rules)
		self.assertEqual(self.make_status().status_rules(self.server), rules)

	def test_an_order_without_its_row_has_no_state(self):
		status = self.make_status()
		name, _plan = self.insert(self.new_id(), submit=True)
		self.assertIsNone(status.status_back_state(self.server, self.new_id(), name))

	def test_a_requested_push_sets_the_status_stamped_and_waits_as_pending(self):
		status = self.make_status()
		woocommerce_id, name = self.submitted_web_order()
		before = self.ref(woocommerce_id)
		self.assertEqual(
			status.status_back_state(self.server, woocommerce_id, name).synced_status, "processing"
		)

		status.request_status_push(self.server, woocommerce_id, name, "completed", "Delivery Note", "DN-1")
		state = status.status_back_state(self.server, woocommerce_id, name)
		self.assertEqual((state.sales_order_status, state.synced_status), ("completed", "processing"))
		after = self.ref(woocommerce_id)
		self.assertEqual(after.woocommerce_status, "completed")
		self.assertUtc(after.woocommerce_status_changed_on)
		self.assertGreaterEqual(after.woocommerce_status_changed_on, before.woocommerce_status_changed_on)
		self.assertEqual(after.modified_utc, before.modified_utc, "the status alone does not move `modified`")
		push = status.read_status_push(self.server, woocommerce_id)
		self.assertEqual(
			(push.state, push.document_type, push.document_name), (PushState.PENDING, "Delivery Note", "DN-1")
		)
		self.assertIn(woocommerce_id, status.status_pushes_due(self.server, after.modified_utc, 100))

		# A later event takes the push over; when the status last reached the shop stays.
		pushed = replace(push, state=PushState.PUSHED, pushed_on=after.modified_utc)
		status.save_status_push(pushed)
		status.request_status_push(self.server, woocommerce_id, name, "completed", "Sales Order", name)
		push = status.read_status_push(self.server, woocommerce_id)
		self.assertEqual(
			(push.state, push.document_type, push.document_name, push.pushed_on),
			(PushState.PENDING, "Sales Order", name, pushed.pushed_on),
		)

	def test_a_saved_push_reads_back_and_is_due_as_its_schedule_says(self):
		status = self.make_status()
		woocommerce_id, _name = self.submitted_web_order()
		now = self.ref(woocommerce_id).modified_utc
		push = replace(
			status.read_status_push(self.server, woocommerce_id),
			state=PushState.FAILED,
			error="HTTP 503",
			error_kind="unavailable",
			attempts=2,
			next_attempt_on=now + timedelta(minutes=30),
			retry_status="Retried automatically",
			pushed_on=now - timedelta(days=1),
		)
		status.save_status_push(push)
		read = status.read_status_push(self.server, woocommerce_id)
		self.assertEqual(read, push)
		self.assertUtc(read.next_attempt_on)
		self.assertNotIn(woocommerce_id, status.status_pushes_due(self.server, now, 100))
		self.assertIn(woocommerce_id, status.status_pushes_due(self.server, now + timedelta(minutes=30), 100))
		status.save_status_push(replace(read, state=PushState.PUSHED, next_attempt_on=None))
		self.assertNotIn(woocommerce_id, status.status_pushes_due(self.server, now + timedelta(days=9), 100))

	def test_the_push_target_is_found_cancelled_too(self):
		status = self.make_status()
		woocommerce_id = self.new_id()
		(cancelled,) = self.foreign_sales_orders((woocommerce_id, 2))
		target = status.push_target(cancelled)
		self.assertEqual((target.name, target.woocommerce_status), (cancelled, "processing"))
		self.assertUtc(target.modified_utc)
		self.assertIsNone(status.push_target(f"SO-missing-{self.token}"))

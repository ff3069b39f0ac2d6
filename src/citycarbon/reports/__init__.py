"""Documents made from stored records: the inventory as PDF and XLSX.

An adapter: :mod:`.inventory_document` reads a stored inventory through the service layer
(which decides access) into a plain :class:`~.inventory_document.InventoryDocument`; the
renderers :mod:`.pdf` and :mod:`.xlsx` turn that into bytes and never touch the database.
"""
